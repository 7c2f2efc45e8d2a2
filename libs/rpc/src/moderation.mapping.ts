import { isRank, validationFailed } from '@parley/domain';
import type { ModerationReply, ModerationRequest } from '@parley/ports';

/** Wire shapes of conversations.proto's Moderate (issue 13.4). */
export interface WireModerateRequest {
  actor_id: string;
  conversation_id: string;
  request_json: string;
}

export interface WireModerateResponse {
  created: boolean;
  body_json: string;
}

const isInt = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;
const isCursor = (v: unknown): v is string | null => v === null || isText(v, 1024);

/**
 * A ModerationRequest decoded from JSON and checked field by field (the gateway validated it
 * against the public schemas; a server trusts no peer's shapes): VALIDATION_FAILED otherwise.
 */
export function moderationRequestFromJson(json: string): ModerationRequest {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw validationFailed('request_json is not JSON');
  }
  if (typeof v !== 'object' || v === null) throw validationFailed('request_json must be an object');
  const r = v as Record<string, unknown>;
  const user = isText(r.user_id, 128);
  const page = isInt(r.limit, 1, 100) && isCursor(r.cursor);
  const valid = ((): boolean => {
    switch (r.op) {
      case 'settings.get':
        return true;
      case 'settings.set':
        return (r.slow_mode_seconds === undefined || isInt(r.slow_mode_seconds, 0, 21600)) && (r.announcement === undefined || typeof r.announcement === 'boolean');
      case 'rank.set':
        return user && isRank(r.rank);
      case 'mute':
        return user && isInt(r.duration_seconds, 1, 366 * 24 * 3600);
      case 'unmute':
      case 'kick':
      case 'unban':
        return user;
      case 'ban':
        return user && (r.reason === null || isText(r.reason, 500));
      case 'bans.list':
      case 'audit.list':
        return page;
      case 'report':
        return isInt(r.seq, 1, Number.MAX_SAFE_INTEGER) && isText(r.reason, 500);
      case 'reports.list':
        return page && (r.status === 'open' || r.status === 'all');
      case 'report.resolve':
        return isText(r.report_id, 20) && (r.resolution === 'dismissed' || r.resolution === 'actioned');
      default:
        return false;
    }
  })();
  if (!valid) throw validationFailed('invalid moderation request');
  return r as unknown as ModerationRequest;
}

export const moderateReplyToWire = (reply: ModerationReply): WireModerateResponse => ({ created: reply.created, body_json: reply.body === null ? '' : JSON.stringify(reply.body) });

export function moderateReplyFromWire(wire: WireModerateResponse): ModerationReply {
  if (wire.body_json === '') return { created: wire.created, body: null };
  const body = JSON.parse(wire.body_json) as unknown;
  if (typeof body !== 'object' || body === null) throw validationFailed('body_json must be an object');
  return { created: wire.created, body: body as Record<string, unknown> };
}
