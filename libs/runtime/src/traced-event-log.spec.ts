import { context, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { createLogger, inSpan, Metrics } from '@parley/observability';
import { AppendResult, Consumer, ConsumerOptions, EventLog, LogRecord } from '@parley/ports';
import { TracedEventLog } from './traced-event-log';

/** An EventLog double: records appends, and hands a consumer the batches the test gives it. */
class FakeLog implements EventLog {
  appends: Array<{ topic: string; headers: Record<string, string> }> = [];
  consumer: ConsumerOptions<unknown> | null = null;
  async append<T>(topic: string, _key: string, _value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    this.appends.push({ topic, headers });
    return { partition: 3, offset: '41' };
  }
  async consume<T>(options: ConsumerOptions<T>): Promise<Consumer> {
    this.consumer = options as ConsumerOptions<unknown>;
    return { stop: async () => undefined };
  }
  async healthy(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();
afterEach(() => exporter.reset());
afterAll(() => provider.shutdown());

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('TracedEventLog', () => {
  it('appends under a PRODUCER span, child of the active span, whose context replaces the traceparent header', async () => {
    const inner = new FakeLog();
    const metrics = new Metrics({ service: 'test' });
    const log = new TracedEventLog(inner, metrics);
    await inSpan('ws send', {}, () => log.append('parley.ingress.v1', 'c1', { x: 1 }, { traceparent: TP, other: 'kept' }));
    const spans = exporter.getFinishedSpans();
    const producer = spans.find((s) => s.name === 'send parley.ingress.v1')!;
    const root = spans.find((s) => s.name === 'ws send')!;
    expect(producer.kind).toBe(3); // PRODUCER
    expect(producer.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(producer.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': 'parley.ingress.v1', 'messaging.destination.partition.id': '3', 'messaging.kafka.offset': 41 });
    expect(inner.appends[0].headers).toEqual({ traceparent: `00-${producer.spanContext().traceId}-${producer.spanContext().spanId}-01`, other: 'kept' });
    expect(await metrics.text()).toMatch(/parley_event_log_append_duration_seconds_count\{service="test",topic="parley.ingress.v1"\} 1/);
  });

  it('continues the trace a header names when no span is active', async () => {
    const inner = new FakeLog();
    await new TracedEventLog(inner, new Metrics({})).append('t', 'k', {}, { traceparent: TP });
    const [producer] = exporter.getFinishedSpans();
    expect(producer.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(producer.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('handles a batch under a CONSUMER span linked to each record, and reports batch sizes and lag', async () => {
    const inner = new FakeLog();
    const metrics = new Metrics({});
    let activeInHandler: string | undefined;
    await new TracedEventLog(inner, metrics).consume({
      group: 'g',
      topic: 'parley.events.v1',
      handleBatch: async () => {
        activeInHandler = trace.getSpan(context.active())?.spanContext().spanId;
      },
    });
    const record = (tp?: string): LogRecord => ({ topic: 'parley.events.v1', partition: 2, offset: '7', key: 'k', value: {}, headers: tp ? { traceparent: tp } : {}, timestamp: 0 });
    const other = '00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01';
    await inner.consumer!.handleBatch([record(TP), record(other), record()]);
    inner.consumer!.onLag!(2, 5);
    const [batch] = exporter.getFinishedSpans();
    expect(batch.name).toBe('process parley.events.v1');
    expect(batch.kind).toBe(4); // CONSUMER
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.links.map((l) => l.context.spanId)).toEqual(['b7ad6b7169203331', 'c7ad6b7169203331']);
    expect(batch.attributes).toMatchObject({ 'messaging.batch.message_count': 3, 'messaging.consumer.group.name': 'g' });
    expect(activeInHandler).toBe(batch.spanContext().spanId);
    const text = await metrics.text();
    expect(text).toMatch(/parley_event_log_batch_records_count\{group="g"\} 1/);
    expect(text).toMatch(/parley_event_log_consumer_lag_records\{group="g",topic="parley.events.v1",partition="2"\} 5/);
  });

  it('writes trace_id and span_id into log lines inside a span, and none outside', async () => {
    const lines: string[] = [];
    const logger = createLogger('svc', 'info', {}, (l) => lines.push(l));
    logger.info('outside');
    await inSpan('work', {}, async (span) => {
      logger.info('inside');
      expect(JSON.parse(lines[1])).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    });
    expect(JSON.parse(lines[0])).not.toHaveProperty('trace_id');
  });
});
