/** Plain fetch helpers for driving the REST API exactly as any HTTP client would. */

export interface RestResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null when the body is empty; raw text is in `text`. */
  body: T;
  text: string;
}

export interface RestRequest {
  token?: string;
  /** Serialised with JSON.stringify. */
  json?: unknown;
  /** Sent as is, with `Content-Type: application/json` unless `headers` says otherwise. */
  raw?: string;
  headers?: Record<string, string>;
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function rest<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  req: RestRequest = {},
): Promise<RestResponse<T>> {
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (req.json !== undefined) payload = JSON.stringify(req.json);
  if (req.raw !== undefined) payload = req.raw;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (req.token !== undefined) headers.authorization = `Bearer ${req.token}`;
  Object.assign(headers, req.headers ?? {});
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch (err) {
      // Non-JSON answers (metrics, a broken error page) keep their text; tests that expect JSON fail on `body`.
      body = { unparsable: text.slice(0, 500), parseError: String(err) };
    }
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

/** Like `rest`, but fails with the whole answer when the status is not the expected one. */
export async function restOk<T>(
  baseUrl: string,
  method: string,
  path: string,
  expectedStatus: number | number[],
  req: RestRequest = {},
): Promise<T> {
  const res = await rest<T>(baseUrl, method, path, req);
  const expected = Array.isArray(expectedStatus) ? expectedStatus : [expectedStatus];
  if (!expected.includes(res.status)) {
    throw new Error(
      `${method} ${path}: expected ${expected.join(' or ')}, got ${res.status}: ${res.text.slice(0, 1000)}`,
    );
  }
  return res.body;
}
