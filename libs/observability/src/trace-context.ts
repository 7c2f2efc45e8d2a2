import { randomBytes } from 'node:crypto';

/**
 * W3C trace context carried from the WebSocket frame through Kafka headers to the last delivery,
 * so one message is one trace. `traceparent` = 00-<trace-id>-<span-id>-01.
 */
export interface TraceContext {
  traceId: string;
  spanId: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

export function newTrace(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
}

export function childSpan(parent: TraceContext): TraceContext {
  return { traceId: parent.traceId, spanId: randomBytes(8).toString('hex') };
}

export function formatTraceparent(ctx: TraceContext): string {
  return `00-${ctx.traceId}-${ctx.spanId}-01`;
}

export function parseTraceparent(header: string | undefined): TraceContext | null {
  if (!header) return null;
  const m = TRACEPARENT.exec(header);
  return m ? { traceId: m[1], spanId: m[2] } : null;
}
