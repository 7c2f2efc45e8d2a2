import { instrumentationsWanted, spanContextOf, tracingEndpoint, tracingWanted, traceparentOf, linksFrom } from './index';
import { trace } from '@opentelemetry/api';

describe('tracing settings (OTEL_*)', () => {
  it('is on only with an endpoint, and never when disabled or the exporter is none', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingEndpoint({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'a', OTEL_EXPORTER_OTLP_ENDPOINT: 'b' })).toBe('a');
  });

  it('loads every library instrumentation unless OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS narrow them', () => {
    expect(instrumentationsWanted({})).toEqual(['http', 'grpc', 'pg', 'ioredis', 'cassandra-driver']);
    expect(instrumentationsWanted({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg, cassandra-driver,unknown' })).toEqual(['http', 'grpc', 'ioredis']);
    expect(instrumentationsWanted({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'grpc,http', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' })).toEqual(['grpc']);
    expect(instrumentationsWanted({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'none-of-ours' })).toEqual([]);
  });
});

describe('traceparent handling', () => {
  it('accepts only well-formed W3C traceparents, keeping the sampled flag', () => {
    expect(spanContextOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true });
    expect(spanContextOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00')?.traceFlags).toBe(0);
    for (const bad of [undefined, '', 'x', '00-00000000000000000000000000000000-b7ad6b7169203331-01', '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\nx']) {
      expect(spanContextOf(bad)).toBeNull();
    }
    expect(linksFrom(['bad', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']).length).toBe(1);
  });

  it('makes up a trace id when tracing is off and there is no parent, so a message still has one', () => {
    const span = trace.getTracer('t').startSpan('x');
    expect(traceparentOf(span)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
