import { HttpExchange } from './http-exchange';

export interface RouteContext {
  x: HttpExchange;
  params: Record<string, string>;
  /** Headers naming the request's span (a `traceparent`), for what the request publishes past an await. */
  trace?: Record<string, string>;
}

export interface RouteReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RouteContext) => Promise<RouteReply>;

interface Route {
  method: string;
  /** The route template, e.g. `/v1/conversations/:id` (metrics and span names use it, never the path). */
  pattern: string;
  segments: string[];
  handler: RouteHandler;
}

/** A small method + path router; `:name` segments become params (percent-decoded, bounded). */
export class RestRouter {
  private readonly routes: Route[] = [];

  /** Every route as `METHOD /pattern`, in the order added (checked against the API documents). */
  list(): string[] {
    return this.routes.map((r) => `${r.method} /${r.segments.join('/')}`);
  }

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /**
   * The handler for a request; `{allow}` when only the path matches (a 405 naming the methods that
   * do); `{invalid}` when a parameter is not valid percent-encoded UTF-8 (a 400); or null (a 404).
   */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string>; route: string } | { allow: string[] } | { invalid: string } | null {
    const parts = path.split('/').filter(Boolean);
    const allow: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (typeof params === 'string') return { invalid: params };
      if (route.method === method) return { handler: route.handler, params, route: route.pattern };
      allow.push(route.method);
    }
    return allow.length > 0 ? { allow } : null;
  }
}

/** The params, null when the path does not match, or the name of a param that does not decode. */
function matchSegments(pattern: string[], parts: string[]): Record<string, string> | string | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        return p.slice(1);
      }
      if (v.length === 0 || v.length > 128) return null;
      params[p.slice(1)] = v;
    } else if (p !== parts[i]) return null;
  }
  return params;
}
