import { HttpExchange } from './http-exchange';

export interface RouteContext {
  x: HttpExchange;
  params: Record<string, string>;
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

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The handler for a request, 'method-not-allowed' when only the path matches, or null. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string>; route: string } | 'method-not-allowed' | null {
    const parts = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params, route: route.pattern };
      pathMatched = true;
    }
    return pathMatched ? 'method-not-allowed' : null;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
      if (v.length === 0 || v.length > 128) return null;
      params[p.slice(1)] = v;
    } else if (p !== parts[i]) return null;
  }
  return params;
}
