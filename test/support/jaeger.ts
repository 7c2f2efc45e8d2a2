/**
 * Reads traces back from Jaeger's query API (v1 JSON, served by Jaeger v2 all-in-one, which
 * `infra/bin/parley-infra start jaeger` runs; `parley-infra env` exports its addresses).
 */
import { eventually } from './wait';

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }>;
  tags: Array<{ key: string; value: unknown }>;
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: Array<{ key: string; value: unknown }> }>;
}

export function jaegerEnv(): { otlp: string; query: string } {
  const otlp = process.env.PARLEY_JAEGER_OTLP_ENDPOINT;
  const query = process.env.PARLEY_JAEGER_QUERY_URL;
  if (!otlp || !query) {
    throw new Error('PARLEY_JAEGER_OTLP_ENDPOINT / PARLEY_JAEGER_QUERY_URL unset: start Jaeger and export its addresses (infra/bin/parley-infra start jaeger; eval "$(infra/bin/parley-infra env)")');
  }
  return { otlp, query };
}

export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The service (and instance, where the mesh names it) that reported a span. */
export function serviceOf(trace: JaegerTrace, span: JaegerSpan): { service: string; instance: string | undefined } {
  const p = trace.processes[span.processID];
  return { service: p?.serviceName ?? '?', instance: p?.tags.find((t) => t.key === 'service.instance.id')?.value as string | undefined };
}

/** The trace whose spans carry `key=value`, once it holds every span `complete` asks for. */
export async function findTrace(query: string, service: string, key: string, value: string, complete: (t: JaegerTrace) => void, timeoutMs = 30_000): Promise<JaegerTrace> {
  return eventually(
    `a trace in Jaeger with ${key}=${value}`,
    async () => {
      const search = new URL('/api/traces', query);
      search.searchParams.set('service', service);
      search.searchParams.set('tags', JSON.stringify({ [key]: value }));
      search.searchParams.set('lookback', '1h');
      search.searchParams.set('limit', '5');
      const found = (await (await fetch(search)).json()) as { data: JaegerTrace[] | null };
      const id = found.data?.[0]?.traceID;
      if (!id) throw new Error('no such trace yet');
      // The search answer may hold only the matching spans: read the whole trace by id.
      const full = (await (await fetch(new URL(`/api/traces/${id}`, query))).json()) as { data: JaegerTrace[] };
      const trace = full.data[0];
      complete(trace);
      return trace;
    },
    timeoutMs,
  );
}

/** The chain of CHILD_OF parents from a span up to its trace's root, by operation name. */
export function ancestry(trace: JaegerTrace, span: JaegerSpan): string[] {
  const byId = new Map(trace.spans.map((s) => [s.spanID, s]));
  const chain: string[] = [];
  for (let s: JaegerSpan | undefined = span; s; ) {
    chain.push(s.operationName);
    const parent: JaegerSpan['references'][number] | undefined = s.references.find((r) => r.refType === 'CHILD_OF');
    s = parent ? byId.get(parent.spanID) : undefined;
    if (parent && !s) chain.push(`<missing ${parent.spanID}>`);
  }
  return chain;
}
