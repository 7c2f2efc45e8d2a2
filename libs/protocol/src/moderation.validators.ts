import { Limits } from './constants';
import { parsePageQuery } from './query.parsers';
import { invalid, ok, Result } from './result';
import { BanBody, ModerationSettingsBody, MuteBody, RankBody, ReportBody, ResolveReportBody, RANK_VALUES } from './schema/moderation.schema';
import { check } from './schema/validate';

/** Validators of the moderation routes (issue 13.4), on their schemas. */

export type RankValue = (typeof RANK_VALUES)[number];

const then = <T, U>(r: Result<T>, f: (v: T) => Result<U>): Result<U> => (r.ok ? f(r.value) : r);

export const validateModerationSettings = (input: unknown): Result<{ slow_mode_seconds?: number; announcement?: boolean }> =>
  then(check(ModerationSettingsBody, input, 'body'), (o) => {
    if (o.slow_mode_seconds === undefined && o.announcement === undefined) return invalid('give slow_mode_seconds, announcement or both');
    return ok({ ...(o.slow_mode_seconds !== undefined ? { slow_mode_seconds: o.slow_mode_seconds } : {}), ...(o.announcement !== undefined ? { announcement: o.announcement } : {}) });
  });

export const validateRank = (input: unknown): Result<{ rank: RankValue }> => then(check(RankBody, input, 'body'), (o) => ok({ rank: o.rank }));
export const validateMute = (input: unknown): Result<{ duration_seconds: number }> => then(check(MuteBody, input, 'body'), (o) => ok({ duration_seconds: o.duration_seconds }));
export const validateBan = (input: unknown): Result<{ user_id: string; reason: string | null }> => then(check(BanBody, input, 'body'), (o) => ok({ user_id: o.user_id, reason: o.reason ?? null }));
export const validateReport = (input: unknown): Result<{ reason: string }> => then(check(ReportBody, input, 'body'), (o) => ok({ reason: o.reason }));
export const validateResolveReport = (input: unknown): Result<{ resolution: 'dismissed' | 'actioned' }> => then(check(ResolveReportBody, input, 'body'), (o) => ok({ resolution: o.resolution }));

/** `?status=open|all&limit&cursor` of the report queue (default: open). */
export function parseReportsQuery(params: URLSearchParams): Result<{ status: 'open' | 'all'; limit: number; cursor: string | null }> {
  const page = parsePageQuery(params);
  if (!page.ok) return page;
  const all = params.getAll('status');
  if (all.length > 1) return invalid('status must be given once');
  const status = all[0] ?? 'open';
  if (status !== 'open' && status !== 'all') return invalid('status must be one of open, all');
  return ok({ status, limit: page.value.limit, cursor: page.value.cursor });
}

/** A report id in a path: the decimal id the server gave it. */
export function parseReportId(raw: string | undefined): Result<string> {
  return raw !== undefined && /^[1-9][0-9]{0,17}$/.test(raw) && raw.length <= Limits.ID_MAX ? ok(raw) : invalid('reportId must be a report id');
}
