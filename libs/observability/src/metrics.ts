import { context, trace } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, LabelValues, Registry, RegistryContentType, collectDefaultMetrics } from 'prom-client';

/** The two exposition formats /metrics speaks (docs/adr/0007-tracing.md, "Exemplars"). */
export const PROMETHEUS_TEXT = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_TEXT = Registry.OPENMETRICS_CONTENT_TYPE;

/**
 * Whether a scrape asked for OpenMetrics: its Accept header names `application/openmetrics-text`
 * with a q above 0 that is not below the q of the Prometheus text format (Prometheus's own scrape
 * header prefers OpenMetrics; curl and browsers get the text format).
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let om = -1;
  let text = -1;
  for (const part of accept.split(',').slice(0, 32)) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') text = Math.max(text, q);
  }
  return om > 0 && om >= text;
}

/** The active span's ids as exemplar labels, when it is recorded (a sampled trace a backend holds). */
function exemplarLabels(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span?.isRecording()) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * A histogram whose observations carry the active span's trace id as an exemplar (written only in
 * the OpenMetrics exposition). Same call shapes as prom-client's plain histogram.
 */
class ExemplarHistogram extends Histogram<string> {
  constructor(name: string, help: string, buckets: number[], labelNames: string[]) {
    // Registered by the caller: prom-client refuses exemplars on a registry created for the text format.
    super({ name, help, buckets, labelNames, registers: [], enableExemplars: true });
    const withExemplar = this.observe.bind(this) as unknown as (o: { labels: LabelValues<string>; value: number; exemplarLabels: Record<string, string> }) => void;
    this.observe = ((a: LabelValues<string> | number, b?: number) => {
      const [labels, value] = typeof a === 'number' ? [{}, a] : [a, b ?? 0];
      withExemplar({ labels, value, exemplarLabels: exemplarLabels() });
    }) as Histogram<string>['observe'];
  }

  override startTimer(labels?: LabelValues<string>): (end?: LabelValues<string>) => number {
    const start = process.hrtime.bigint();
    return (end) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe({ ...labels, ...end }, seconds);
      return seconds;
    };
  }
}

/**
 * One Prometheus registry per process; services register their own instruments on it.
 * Names follow `parley_<service>_<what>_<unit>`.
 */
export class Metrics {
  readonly registry = new Registry<RegistryContentType>();
  /** Scrapes render one at a time: the OpenMetrics rendering renames counters while it runs. */
  private rendering: Promise<unknown> = Promise.resolve();

  constructor(defaultLabels: Record<string, string>) {
    this.registry.setDefaultLabels(defaultLabels);
    collectDefaultMetrics({ register: this.registry });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return (this.registry.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** `read`, when given, sets the (unlabelled) value at each scrape. */
  gauge(name: string, help: string, labelNames: string[] = [], read?: () => number): Gauge<string> {
    const existing = this.registry.getSingleMetric(name) as Gauge<string> | undefined;
    if (existing) return existing;
    return new Gauge({ name, help, labelNames, registers: [this.registry], ...(read ? { collect(this: Gauge<string>) { this.set(read()); } } : {}) });
  }

  /** Observations made inside a recorded span carry its trace id as an exemplar. */
  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
    const existing = this.registry.getSingleMetric(name) as Histogram<string> | undefined;
    if (existing) return existing;
    const h = new ExemplarHistogram(name, help, buckets, labelNames);
    this.registry.registerMetric(h);
    return h;
  }

  /** The Prometheus text format (no exemplars). */
  text(): Promise<string> {
    return this.render(PROMETHEUS_TEXT);
  }

  /** The exposition in the given format (PROMETHEUS_TEXT or OPENMETRICS_TEXT, with exemplars). */
  render(contentType: string): Promise<string> {
    const next = this.rendering.then(() => (contentType === OPENMETRICS_TEXT ? this.openMetrics() : this.registry.metrics()));
    this.rendering = next.catch(() => undefined);
    return next;
  }

  /**
   * prom-client writes OpenMetrics by switching the registry's format, and it strips `_total` from
   * each counter's name in place while doing so: the names and the format are put back after.
   */
  private async openMetrics(): Promise<string> {
    const names = this.registry.getMetricsAsArray().map((m) => [m, m.name] as const);
    this.registry.setContentType(OPENMETRICS_TEXT);
    try {
      return await this.registry.metrics();
    } finally {
      this.registry.setContentType(PROMETHEUS_TEXT);
      for (const [m, name] of names) (m as { name: string }).name = name;
    }
  }
}

export const METRICS = Symbol('Metrics');
