import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { contextFrom, contextMode, contextOf, inSpan, instrumentationsWanted, samplerFollowsUnsampledParent, samplingRatio, startSpan, SyncContextManager, traceHeaders } from './index';

describe('the context mode (PARLEY_TRACING_CONTEXT)', () => {
  it('reads the ratio the standard sampler settings record', () => {
    expect(samplingRatio({})).toBe(1);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe(0);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' })).toBe(0.01);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER: 'traceidratio' })).toBe(1);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' })).toBe(1);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toBeNull();
  });

  it('auto is explicit below one trace in ten, async hooks otherwise; a setting wins; a bad one is refused', () => {
    expect(contextMode({})).toBe('async-hooks');
    expect(contextMode({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' })).toBe('explicit');
    expect(contextMode({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' })).toBe('async-hooks');
    expect(contextMode({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe('explicit');
    expect(contextMode({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toBe('async-hooks');
    expect(contextMode({ PARLEY_TRACING_CONTEXT: 'explicit' })).toBe('explicit');
    expect(contextMode({ PARLEY_TRACING_CONTEXT: 'async-hooks', OTEL_TRACES_SAMPLER: 'always_off' })).toBe('async-hooks');
    expect(() => contextMode({ PARLEY_TRACING_CONTEXT: 'zone' })).toThrow(/PARLEY_TRACING_CONTEXT/);
  });

  it('loads no library instrumentation in the explicit mode unless one is named', () => {
    expect(instrumentationsWanted({}, 'explicit')).toEqual([]);
    expect(instrumentationsWanted({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'grpc' }, 'explicit')).toEqual(['grpc']);
    expect(instrumentationsWanted({}, 'async-hooks')).toHaveLength(5);
  });
});

describe('SyncContextManager', () => {
  const key = Symbol('k');
  const manager = new SyncContextManager();
  const a = ROOT_CONTEXT.setValue(key, 'a');
  const b = ROOT_CONTEXT.setValue(key, 'b');

  it('makes a context active for the synchronous run of the callback only, nested and restored', async () => {
    const seen: unknown[] = [];
    const pending = manager.with(a, async () => {
      seen.push(manager.active().getValue(key));
      manager.with(b, () => seen.push(manager.active().getValue(key)));
      seen.push(manager.active().getValue(key));
      await Promise.resolve();
      seen.push(manager.active().getValue(key)); // after an await: nothing is active
    });
    seen.push(manager.active().getValue(key));
    await pending;
    expect(seen).toEqual(['a', 'b', 'a', undefined, undefined]);
  });

  it('restores the previous context when the callback throws, and binds functions to a context', () => {
    expect(() => manager.with(a, () => { throw new Error('x'); })).toThrow('x');
    expect(manager.active()).toBe(ROOT_CONTEXT);
    const bound = manager.bind(b, function (this: { n: number }, m: number) { return `${String(manager.active().getValue(key))}${this.n + m}`; });
    expect(bound.call({ n: 1 }, 2)).toBe('b3');
    const notAFunction = { x: 1 };
    expect(manager.bind(a, notAFunction)).toBe(notAFunction);
  });
});

describe('explicit parents with the SDK on the synchronous manager', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new SyncContextManager();
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(manager);
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('a span started past an await is a root unless its parent is named; named, it nests, and its links come only when recorded', async () => {
    let links = 0;
    await inSpan('outer', { parent: ROOT_CONTEXT }, async (outer) => {
      await Promise.resolve();
      await inSpan('lost', {}, async () => undefined);
      await inSpan('named', { parent: contextOf(outer), links: () => { links++; return []; } }, async () => undefined);
      expect(traceHeaders(outer).traceparent).toBe(`00-${outer.spanContext().traceId}-${outer.spanContext().spanId}-01`);
    });
    const spans = exporter.getFinishedSpans();
    const byName = (n: string) => spans.find((s) => s.name === n);
    const outer = byName('outer');
    expect(byName('named')?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(byName('lost')?.parentSpanContext).toBeUndefined();
    expect(links).toBe(1);
  });

  it('under an unsampled parent a span is the parent wrapped, its attributes never built; under a sampled one it is recorded', () => {
    let built = 0;
    const attributes = () => { built++; return { a: 1 }; };
    const unsampled = contextFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00');
    const skipped = startSpan('skipped', { attributes }, unsampled);
    expect(skipped.isRecording()).toBe(false);
    expect(traceHeaders(skipped)).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' });
    expect(built).toBe(0);
    const recorded = startSpan('recorded', { attributes }, contextFrom('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'));
    expect(recorded.isRecording()).toBe(true);
    recorded.end();
    expect(built).toBe(1);
    expect(samplerFollowsUnsampledParent({ OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
    expect(samplerFollowsUnsampledParent({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' })).toBe(true);
    expect(samplerFollowsUnsampledParent({})).toBe(true);
  });

  it('no traceparent header from a span with no valid context (tracing off, no parent)', () => {
    expect(traceHeaders(trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }))).toEqual({});
  });
});
