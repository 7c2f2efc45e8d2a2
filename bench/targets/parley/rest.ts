/** A non-2xx answer of Parley's REST API, with the contract's error code. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Bound on how long one REST call of the bench may take. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Minimal JSON client of Parley's REST API (v1 contract), enough to set a benchmark up. */
export class ParleyRest {
  constructor(private readonly baseUrl: string) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new RestError(res.status, 'BAD_RESPONSE', `${method} ${path}: answer is not JSON (${String(err)}): ${text.slice(0, 200)}`);
      }
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new RestError(res.status, e?.code ?? 'UNKNOWN', `${method} ${path}: ${res.status} ${e?.code ?? ''} ${e?.message ?? text.slice(0, 200)}`);
    }
    return parsed as T;
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects on the first failure. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}
