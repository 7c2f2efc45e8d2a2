import type { RestOperation } from './rest-operations';
import * as M from '../schema/moderation.schema';

const pageQuery = [
  { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
  { name: 'cursor', schema: { type: 'string', maxLength: 2048, pattern: '^[A-Za-z0-9_-]*$' }, description: 'next_cursor of the previous page' },
];

/** Issue 13.4's routes (docs/api/v1.md "Moderation"), part of REST_OPERATIONS. */
export const MODERATION_OPERATIONS: RestOperation[] = [
  { method: 'GET', path: '/v1/conversations/:id/moderation', summary: "A group's slow mode and announcement flag, and the caller's rank and mute", auth: true, ok: [[200, M.ModerationSettings]], errors: [403, 404] },
  { method: 'PATCH', path: '/v1/conversations/:id/moderation', summary: 'Set slow mode (moderators and above) or the announcement flag (admins and the owner)', auth: true, body: M.ModerationSettingsBody, ok: [[200, M.ModerationSettings]], errors: [403, 404] },
  { method: 'PUT', path: '/v1/conversations/:id/members/:userId/rank', summary: "Change a member's rank (owner > admin > moderator > member)", auth: true, body: M.RankBody, ok: [[200, M.ModeratedMember]], errors: [403, 404, 409] },
  { method: 'POST', path: '/v1/conversations/:id/members/:userId/mute', summary: 'Mute a member for a duration (their sends are refused with MUTED)', auth: true, body: M.MuteBody, ok: [[200, M.ModeratedMember]], errors: [403, 404] },
  { method: 'DELETE', path: '/v1/conversations/:id/members/:userId/mute', summary: 'Unmute a member', auth: true, ok: [[200, M.ModeratedMember]], errors: [403, 404] },
  { method: 'POST', path: '/v1/conversations/:id/members/:userId/kick', summary: 'Remove a member (they may be added again)', auth: true, ok: [[204, null]], errors: [403, 404] },
  { method: 'GET', path: '/v1/conversations/:id/bans', summary: 'The users banned from a group, by user id (moderators and above)', auth: true, query: pageQuery, ok: [[200, M.BanList]], errors: [403, 404] },
  { method: 'POST', path: '/v1/conversations/:id/bans', summary: 'Ban a user: removed, and never added again until unbanned (200 when already banned)', auth: true, body: M.BanBody, ok: [[201, M.BanResult], [200, M.BanResult]], errors: [403, 404] },
  { method: 'DELETE', path: '/v1/conversations/:id/bans/:userId', summary: 'Lift a ban', auth: true, ok: [[204, null]], errors: [403, 404] },
  { method: 'POST', path: '/v1/conversations/:id/messages/:seq/reports', summary: 'Report a message to the moderators (200 with the same report when repeated)', auth: true, body: M.ReportBody, ok: [[201, M.ReportResult], [200, M.ReportResult]], errors: [403, 404] },
  { method: 'GET', path: '/v1/conversations/:id/reports', summary: 'The report queue, oldest first (moderators and above)', auth: true, query: [{ name: 'status', schema: { type: 'string', enum: ['open', 'all'], default: 'open' } }, ...pageQuery], ok: [[200, M.ReportList]], errors: [403, 404] },
  { method: 'POST', path: '/v1/conversations/:id/reports/:reportId/resolve', summary: 'Resolve an open report (409 when already resolved)', auth: true, body: M.ResolveReportBody, ok: [[200, M.ReportResult]], errors: [403, 404, 409] },
  { method: 'GET', path: '/v1/conversations/:id/audit', summary: "A group's moderation audit log, newest first (moderators and above)", auth: true, query: pageQuery, ok: [[200, M.AuditList]], errors: [403, 404] },
];
