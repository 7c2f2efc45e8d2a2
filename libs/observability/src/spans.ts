import { Attributes, context, Context, isSpanContextValid, Link, ROOT_CONTEXT, Span, SpanContext, SpanKind, SpanStatusCode, trace, TraceFlags, Tracer } from '@opentelemetry/api';
import { samplerFollowsUnsampledParent } from './context-mode';
import { formatTraceparent, newTrace } from './trace-context';

/**
 * Parley's own spans (docs/adr/0007-tracing.md): one trace per message, carried as a W3C
 * `traceparent` in Kafka headers, gRPC metadata and each fanout delivery. With tracing off these
 * calls cost a no-op span; a traceparent still travels (logs can still be joined by trace_id).
 */
let parleyTracer: Tracer | null = null;
export const tracer = (): Tracer => (parleyTracer ??= trace.getTracer('parley'));

let followsUnsampled: boolean | null = null;

/**
 * Starts one of Parley's spans. Under a parent its trace did not sample, with a sampler that follows
 * its parent (every `parentbased_*` one, the default), the span is the parent's context wrapped,
 * exactly what the SDK would decide, without its work (ids, attributes, sampler): most messages
 * are not sampled, and each crosses about ten spans.
 */
export function startSpan(name: string, options: SpanOptions, parent: Context): Span {
  const sc = trace.getSpanContext(parent);
  if (sc && (sc.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(sc) && (followsUnsampled ??= samplerFollowsUnsampledParent())) return trace.wrapSpanContext(sc);
  const { attributes, links } = options;
  const span = tracer().startSpan(name, {
    kind: options.kind ?? SpanKind.INTERNAL,
    attributes: typeof attributes === 'function' ? undefined : attributes,
    links: typeof links === 'function' ? undefined : links,
  }, parent);
  // Lazy attributes and links are added once the sampler has said yes (the standard samplers
  // decide on the trace id and the parent, never on these).
  if (span.isRecording()) {
    if (typeof attributes === 'function') span.setAttributes(attributes());
    if (typeof links === 'function') span.addLinks(links());
  }
  return span;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote span context a `traceparent` names, or null when it is absent or malformed. */
export function spanContextOf(traceparent: string | undefined): SpanContext | null {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return null;
  const sc: SpanContext = { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16) & 1, isRemote: true };
  return isSpanContextValid(sc) ? sc : null;
}

/** A context whose parent is the given `traceparent` (the root context when there is none). */
export function contextFrom(traceparent: string | undefined): Context {
  const sc = spanContextOf(traceparent);
  return sc ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

/** Links to each distinct valid `traceparent` (a batch span's links to its messages' traces). */
export function linksFrom(traceparents: Iterable<string | undefined>, max = 128): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const tp of traceparents) {
    const sc = spanContextOf(tp);
    if (!sc || seen.has(sc.spanId)) continue;
    seen.add(sc.spanId);
    links.push({ context: sc });
    if (links.length >= max) break;
  }
  return links;
}

/**
 * The `traceparent` to send on for a span. A span of the no-op tracer with no parent has no valid
 * context: then a fresh id is made up, so that a message still has one trace id end to end.
 */
export function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return formatTraceparent(newTrace());
  return `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`;
}

/**
 * The span's context as a parent for spans started after an await: with the `explicit` context
 * mode (context-mode.ts) nothing is active there, so work that goes on past an await names it.
 */
export function contextOf(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Headers naming the span as the parent of what a record or request causes; none when it has no valid context. */
export function traceHeaders(span: Span): Record<string, string> {
  return isSpanContextValid(span.spanContext()) ? { traceparent: traceparentOf(span) } : {};
}

export interface SpanOptions {
  kind?: SpanKind;
  /** A function is called only when the span is recorded (most are not: see startSpan). */
  attributes?: Attributes | (() => Attributes);
  /** A function is called only when the span is recorded: most batches are not, and their links cost a parse per record. */
  links?: Link[] | (() => Link[]);
  /** The parent; default: the active context. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span; the span ends when `fn` settles, with an error status (and
 * the exception recorded) when it throws. Never records bodies, tokens or passwords: callers pass
 * ids only.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed: status ERROR with a short description, and the exception as an event. */
export function failSpan(span: Span, err: unknown, description?: string): void {
  const message = description ?? (err instanceof Error ? err.message : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  if (err instanceof Error) span.recordException({ name: err.name, message: err.message });
}

/** The active span's ids, for logs and exemplars; null when no valid span is active. */
export function activeTraceIds(): { trace_id: string; span_id: string } | null {
  const span = trace.getSpan(context.active());
  if (!span) return null;
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : null;
}

/**
 * A delivery's `traceparent` as it crosses fanout → gateway: kept beside the event object (not in
 * it), so the events' shapes stay as they are; the gRPC mapping carries it on the wire.
 */
const carried = new WeakMap<object, string>();
export function carryTrace<T extends object>(delivery: T, traceparent: string | undefined): T {
  if (traceparent) carried.set(delivery, traceparent);
  return delivery;
}
export function carriedTrace(delivery: object): string | undefined {
  return carried.get(delivery);
}

/** OpenTelemetry messaging semantic-convention attributes for a Kafka topic. */
export function messagingAttributes(operation: 'send' | 'process' | 'receive', topic: string, extra: Attributes = {}): Attributes {
  return { 'messaging.system': 'kafka', 'messaging.operation.type': operation, 'messaging.operation.name': operation, 'messaging.destination.name': topic, ...extra };
}

export { ROOT_CONTEXT, SpanKind };
