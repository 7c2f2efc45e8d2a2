import { Limits } from './constants';
import { charLength, cleanText, fail, validated } from './fields';
import { Result } from './result';

export interface HistoryQueryInput {
  after_seq?: number;
  before_seq?: number;
  limit: number;
}

export interface PageQueryInput {
  limit: number;
  cursor: string | null;
}

const DIGITS = /^[0-9]{1,16}$/;

function readInt(params: URLSearchParams, key: string, min: number, max: number): number | undefined {
  if (!params.has(key)) return undefined;
  if (params.getAll(key).length > 1) fail(`${key} must be given once`);
  const raw = params.get(key) ?? '';
  const value = Number(raw);
  if (!DIGITS.test(raw) || !Number.isSafeInteger(value)) fail(`${key} must be a non-negative integer`);
  if (value < min || value > max) fail(`${key} must be between ${min} and ${max}`);
  return value;
}

/** `?after_seq=N&limit=L`, `?before_seq=N&limit=L` or just `?limit=L`; both seqs at once is invalid. */
export const parseHistoryQuery = (params: URLSearchParams): Result<HistoryQueryInput> =>
  validated(() => {
    const after_seq = readInt(params, 'after_seq', 0, Number.MAX_SAFE_INTEGER);
    const before_seq = readInt(params, 'before_seq', 0, Number.MAX_SAFE_INTEGER);
    if (after_seq !== undefined && before_seq !== undefined) fail('after_seq and before_seq cannot be combined');
    const limit = readInt(params, 'limit', 1, Limits.HISTORY_MAX_LIMIT) ?? Limits.HISTORY_DEFAULT_LIMIT;
    return {
      limit,
      ...(after_seq === undefined ? {} : { after_seq }),
      ...(before_seq === undefined ? {} : { before_seq }),
    };
  });

/** `?limit&cursor` of the paged lists (conversations, members); an empty cursor means the first page. */
export const parsePageQuery = (params: URLSearchParams): Result<PageQueryInput> =>
  validated(() => {
    const limit = readInt(params, 'limit', 1, Limits.HISTORY_MAX_LIMIT) ?? Limits.HISTORY_DEFAULT_LIMIT;
    const raw = params.get('cursor');
    if (params.getAll('cursor').length > 1) fail('cursor must be given once');
    if (raw !== null && raw.length > Limits.TOKEN_MAX) fail('cursor is too long');
    if (raw !== null && !/^[A-Za-z0-9_-]*$/.test(raw)) fail('invalid cursor');
    return { limit, cursor: raw === null || raw === '' ? null : cleanText('cursor', raw) };
  });

export interface ReadReceiptsQueryInput {
  seq: number;
}

/** Extension: `?seq=N` of `GET /v1/conversations/{id}/read-receipts`; N is required and at least 1. */
export const parseReadReceiptsQuery = (params: URLSearchParams): Result<ReadReceiptsQueryInput> =>
  validated(() => {
    const seq = readInt(params, 'seq', 1, Number.MAX_SAFE_INTEGER);
    if (seq === undefined) fail('seq is required');
    return { seq };
  });

/** Extension (issue 13): a message's seq in a path (`/messages/{seq}`), 1 or more. */
export const parseSeqParam = (raw: string | undefined): Result<number> =>
  validated(() => {
    const value = Number(raw);
    if (raw === undefined || !DIGITS.test(raw) || !Number.isSafeInteger(value) || value < 1) fail('seq must be a positive integer');
    return value;
  });

export interface RepliesQueryInput {
  after_seq: number;
  limit: number;
}

/** Extension (issue 13): `?after_seq=N&limit=L` of a message's replies (keyset: the last seq of the previous page). */
export const parseRepliesQuery = (params: URLSearchParams): Result<RepliesQueryInput> =>
  validated(() => ({
    after_seq: readInt(params, 'after_seq', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    limit: readInt(params, 'limit', 1, Limits.REPLIES_MAX_LIMIT) ?? Limits.HISTORY_DEFAULT_LIMIT,
  }));

export interface SearchQueryInput {
  q: string;
  conversation_id: string | null;
  limit: number;
  cursor: string | null;
}

/**
 * Extension (issue 13.3): `?q=...&conversation_id=...&limit=L&cursor=...` of `GET /v1/search/messages`.
 * `q` is clean text (no control characters), at most SEARCH_Q_MAX_CHARS characters, not blank (it is trimmed),
 * at most SEARCH_Q_MAX_WORDS words; every word must match.
 */
export const parseSearchQuery = (params: URLSearchParams): Result<SearchQueryInput> =>
  validated(() => {
    const page = parsePageQuery(params);
    if (!page.ok) fail(page.message);
    if (params.getAll('q').length !== 1) fail('q is required, once');
    const raw = params.get('q') ?? '';
    if (charLength(raw) > Limits.SEARCH_Q_MAX_CHARS) fail(`q must be at most ${Limits.SEARCH_Q_MAX_CHARS} characters`);
    const q = cleanText('q', raw.trim());
    if (q.length === 0) fail('q must not be empty');
    if (q.split(/\s+/).length > Limits.SEARCH_Q_MAX_WORDS) fail(`q must have at most ${Limits.SEARCH_Q_MAX_WORDS} words`);
    if (params.getAll('conversation_id').length > 1) fail('conversation_id must be given once');
    const c = params.get('conversation_id');
    if (c !== null && (c.length === 0 || c.length > Limits.ID_MAX)) fail(`conversation_id must be 1 to ${Limits.ID_MAX} characters`);
    return { q, conversation_id: c === null ? null : cleanText('conversation_id', c), limit: page.value.limit, cursor: page.value.cursor };
  });
