import { diag, DiagConsoleLogger, DiagLogLevel } from '@opentelemetry/api';
import { CassandraDriverInstrumentation } from '@opentelemetry/instrumentation-cassandra-driver';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry tracing for one process, configured only by the standard OTEL_* variables
 * (docs/configuration.md): OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL
 * (grpc, http/protobuf, http/json), OTEL_SERVICE_NAME (default: the process's own name),
 * OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED.
 * Off (no SDK, no exporter, the API's no-op tracer) when no endpoint is set.
 *
 * Must run before the instrumented libraries are first required: each app's `tracing.ts` is the
 * first import of its `main.ts`. Kafka is traced by Parley's own spans around its EventLog calls,
 * not by the kafkajs instrumentation (docs/adr/0007-tracing.md).
 */
export interface Tracing {
  readonly enabled: boolean;
  readonly serviceName: string;
  /** Flushes the spans still buffered; bounded by OTEL_BSP_EXPORT_TIMEOUT. */
  shutdown(): Promise<void>;
}

let current: Tracing | null = null;

const INSTRUMENTATIONS = {
  http: () =>
    new HttpInstrumentation({
      // The exporters suppress tracing of their own requests. Scrapes and probes of the admin port are not worth a trace each.
      ignoreIncomingRequestHook: (req) => /^\/(metrics|healthz|readyz)\b/.test(req.url ?? ''),
    }),
  grpc: () => new GrpcInstrumentation(),
  pg: () => new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
  ioredis: () => new IORedisInstrumentation({ requireParentSpan: true }),
  'cassandra-driver': () => new CassandraDriverInstrumentation({ enhancedDatabaseReporting: false }),
};

export function tracingEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT || '').trim() || undefined;
}

/** Whether startTracing would start the SDK with this environment. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const disabled = (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim());
  return !disabled && !exporters.includes('none') && tracingEndpoint(env) !== undefined;
}

/** The library instrumentations Parley can load, by the names OTEL_NODE_[EN|DIS]ABLED_INSTRUMENTATIONS use. */
export const INSTRUMENTATION_NAMES = ['http', 'grpc', 'pg', 'ioredis', 'cassandra-driver'] as const;
export type InstrumentationName = (typeof INSTRUMENTATION_NAMES)[number];

/**
 * Which library instrumentations to load: all of them, or those OTEL_NODE_ENABLED_INSTRUMENTATIONS
 * lists, minus those OTEL_NODE_DISABLED_INSTRUMENTATIONS lists (comma-separated, as
 * @opentelemetry/auto-instrumentations-node reads them; unknown names are ignored). Parley's own
 * spans (the message's path through the services) stay whatever is chosen here.
 */
export function instrumentationsWanted(env: NodeJS.ProcessEnv = process.env): InstrumentationName[] {
  const list = (v: string | undefined) => new Set((v ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  const enabled = list(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = list(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  return INSTRUMENTATION_NAMES.filter((n) => (enabled.size === 0 || enabled.has(n)) && !disabled.has(n));
}

/** Starts tracing once per process (later calls return the first handle). */
export function startTracing(defaultServiceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (current) return current;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName;
  if (!tracingWanted(env)) {
    current = { enabled: false, serviceName, shutdown: async () => undefined };
    return current;
  }
  if (!env.OTEL_LOG_LEVEL) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.ERROR);
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME, when set, wins through the env resource detector.
    ...(env.OTEL_SERVICE_NAME?.trim() ? {} : { serviceName }),
    // Metrics stay Prometheus (prom-client, /metrics on the admin port); logs stay JSON lines.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: instrumentationsWanted(env).map((name) => INSTRUMENTATIONS[name]()),
  });
  sdk.start();
  let stopped: Promise<void> | null = null;
  current = {
    enabled: true,
    serviceName,
    shutdown: () => (stopped ??= sdk.shutdown().catch(() => undefined)),
  };
  return current;
}

/** Flushes and stops the process's tracing, if it was started. */
export function shutdownTracing(): Promise<void> {
  return current?.shutdown() ?? Promise.resolve();
}
