import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { contextFrom, inSpan, linksFrom, messagingAttributes, Metrics, SpanKind, traceparentOf } from '@parley/observability';
import { AppendResult, Consumer, ConsumerOptions, EventLog, LogRecord } from '@parley/ports';

/** Seconds: Kafka appends are acks=all round trips; the embedded log's are PGlite writes. */
const APPEND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * Any EventLog, traced and measured (docs/adr/0007-tracing.md): every append is a PRODUCER span
 * `send <topic>` whose context replaces the record's `traceparent` header (the message's trace goes
 * on through it), and every handled batch a CONSUMER span `process <topic>` linked to the traces of
 * its records. Per-message work opens its own span under the record's context (see messageContext).
 * Append latency, batch sizes and consumer lag are Prometheus metrics.
 */
export class TracedEventLog implements EventLog {
  private readonly appendSeconds;
  private readonly appendFailures;
  private readonly batchSize;
  private readonly lag;

  constructor(private readonly inner: EventLog, metrics: Metrics) {
    this.appendSeconds = metrics.histogram('parley_event_log_append_duration_seconds', 'event log appends until durable, by topic', APPEND_BUCKETS, ['topic']);
    this.appendFailures = metrics.counter('parley_event_log_append_failures_total', 'event log appends that failed, by topic', ['topic']);
    this.batchSize = metrics.histogram('parley_event_log_batch_records', 'records per batch handed to a consumer, by group', BATCH_BUCKETS, ['group']);
    this.lag = metrics.gauge('parley_event_log_consumer_lag_records', 'records of a partition not yet handled by a consumer group', ['group', 'topic', 'partition']);
  }

  append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    // A caller with no active span may still name the trace the record belongs to.
    const active = trace.getSpan(context.active());
    const parent = active && isSpanContextValid(active.spanContext()) ? context.active() : contextFrom(headers.traceparent);
    return inSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, parent, attributes: () => messagingAttributes('send', topic) }, async (span) => {
      const end = this.appendSeconds.startTimer({ topic });
      try {
        const result = await this.inner.append(topic, key, value, { ...headers, traceparent: traceparentOf(span) });
        span.setAttribute('messaging.destination.partition.id', String(result.partition));
        span.setAttribute('messaging.kafka.offset', Number(result.offset));
        return result;
      } catch (err) {
        this.appendFailures.inc({ topic });
        throw err;
      } finally {
        end();
      }
    });
  }

  consume<T>(options: ConsumerOptions<T>): Promise<Consumer> {
    const { group, topic } = options;
    return this.inner.consume<T>({
      ...options,
      handleBatch: (records: LogRecord<T>[]) => {
        this.batchSize.observe({ group }, records.length);
        const attributes = () => messagingAttributes('process', topic, {
          'messaging.consumer.group.name': group,
          'messaging.batch.message_count': records.length,
          ...(records.length > 0 ? { 'messaging.destination.partition.id': String(records[0].partition) } : {}),
        });
        const links = () => linksFrom(records.map((r) => r.headers.traceparent));
        return inSpan(`process ${topic}`, { kind: SpanKind.CONSUMER, attributes, links, parent: contextFrom(undefined) }, () => options.handleBatch(records));
      },
      onLag: (partition, lag) => {
        this.lag.set({ group, topic, partition: String(partition) }, lag);
        options.onLag?.(partition, lag);
      },
    });
  }

  healthy(): Promise<boolean> {
    return this.inner.healthy();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
