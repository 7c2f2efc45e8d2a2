import { Context, Link, Span, trace } from '@opentelemetry/api';
import { contextFrom, failSpan, inSpan, linksFrom, messagingAttributes, ROOT_CONTEXT, SpanKind } from '@parley/observability';
import { LogRecord, PushOutcome } from '@parley/ports';

/**
 * The push path's spans (docs/adr/0007-tracing.md, "The push path"): a message's trace goes on
 * from the events topic into the outbox and out to the provider.
 * - `process parley.events.v1` (CONSUMER, group parley-notification) under the record's context:
 *   the admission; its context is stored on the outbox row (push_state.traceparents).
 * - `process push_outbox` (CONSUMER, a root) for each claimed batch, linked to its rows' traces.
 * - `process push_outbox` (CONSUMER) for each row, under the first message it carries (linked to
 *   the batch and to the other messages it collapses); a clearing push has only the batch.
 * - `<provider>/send` (CLIENT, RPC conventions) for each device: outcome and platform, never a
 *   token, title or body.
 */
export const OUTBOX = 'push_outbox';
/** The traceparents a row keeps: the first messages it carries, at most this many. */
export const MAX_TRACES_PER_ROW = 8;

export function admissionSpan<T>(record: LogRecord<unknown>, group: string, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
  const attrs = messagingAttributes('process', record.topic, {
    'messaging.consumer.group.name': group,
    'messaging.destination.partition.id': String(record.partition),
    'messaging.kafka.offset': Number(record.offset),
    ...attributes,
  });
  return inSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER, parent: contextFrom(record.headers.traceparent), attributes: attrs }, fn);
}

const outboxAttributes = (extra: Record<string, string | number>) => ({
  ...messagingAttributes('process', OUTBOX, extra),
  // Not Kafka: the outbox is a Postgres table drained by the dispatcher.
  'messaging.system': 'parley.push_outbox',
});

/** The span of one claimed batch, linked to the first message of each row. */
export function batchSpan<T>(traceparents: Array<string | undefined>, fn: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(`process ${OUTBOX}`, { kind: SpanKind.CONSUMER, parent: ROOT_CONTEXT, links: linksFrom(traceparents), attributes: outboxAttributes({ 'messaging.batch.message_count': traceparents.length }) }, fn);
}

/** The span of one row's push, under the first message it carries (or the batch for a clear). */
export function rowSpan<T>(traceparents: string[], batch: Context, attributes: Record<string, string | number>, fn: (span: Span) => Promise<T>): Promise<T> {
  const [first, ...rest] = traceparents;
  const batchSpanContext = trace.getSpanContext(batch);
  const links: Link[] = [...(batchSpanContext ? [{ context: batchSpanContext }] : []), ...linksFrom(rest)];
  const fromFirst = contextFrom(first);
  const parent = fromFirst === ROOT_CONTEXT ? batch : fromFirst;
  return inSpan(`process ${OUTBOX}`, { kind: SpanKind.CONSUMER, parent, links, attributes: outboxAttributes(attributes) }, fn);
}

/** A provider's reason, with anything shaped like a device token (long opaque runs) taken out. */
const redact = (reason: string) => reason.replace(/[A-Za-z0-9_:-]{32,}/g, '<redacted>');

/** One provider call (RPC semantic conventions); the outcome sets the status, never the token. */
export function providerSpan(parent: Context, provider: string, platform: string, kind: string, send: () => Promise<PushOutcome>): Promise<PushOutcome> {
  const attributes = { 'rpc.system': provider, 'rpc.service': provider, 'rpc.method': 'send', 'parley.push.platform': platform, 'parley.push.kind': kind };
  return inSpan(`${provider}/send`, { kind: SpanKind.CLIENT, parent, attributes }, async (span) => {
    const outcome = await send();
    span.setAttribute('parley.push.outcome', outcome.status);
    if (outcome.status === 'retry' || outcome.status === 'failed') failSpan(span, null, `${outcome.status}: ${redact(outcome.reason)}`.slice(0, 200));
    return outcome;
  });
}
