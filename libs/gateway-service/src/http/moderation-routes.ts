import { DomainError } from '@parley/domain';
import { ConversationApi, ModerationRequest } from '@parley/ports';
import {
  parsePageQuery, parseReportId, parseReportsQuery, parseSeqParam, Result, validateBan, validateModerationSettings, validateMute, validateRank, validateReport, validateResolveReport,
} from '@parley/protocol';
import { RestRouter, RouteContext, RouteReply } from './rest-router';

type Authed = (fn: (ctx: RouteContext, me: { userId: string }) => Promise<RouteReply>) => (ctx: RouteContext) => Promise<RouteReply>;

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw new DomainError('VALIDATION_FAILED', r.message);
  return r.value;
};

/**
 * Issue 13.4's routes (docs/api/v1.md "Moderation", docs/adr/0017-moderation.md): each one is a
 * ModerationRequest the messaging service checks and carries out. Sends refused by a mute, slow
 * mode or an announcement conversation are not here: the sequencer refuses them (send-pipeline).
 */
export function addModerationRoutes(router: RestRouter, conversations: ConversationApi, authed: Authed, pathId: (ctx: RouteContext, name: string) => string): RestRouter {
  const route = (build: (ctx: RouteContext) => Promise<ModerationRequest> | ModerationRequest, emptyStatus = 204) => authed(async (ctx, me) => {
    const id = pathId(ctx, 'id');
    const request = await build(ctx);
    const reply = await conversations.moderate(me.userId, id, request);
    if (reply.body === null) return { status: emptyStatus };
    return { status: reply.created ? 201 : 200, body: reply.body };
  });
  const user = (ctx: RouteContext) => pathId(ctx, 'userId');

  return router
    .add('GET', '/v1/conversations/:id/moderation', route(() => ({ op: 'settings.get' })))
    .add('PATCH', '/v1/conversations/:id/moderation', route(async (ctx) => ({ op: 'settings.set', ...must(validateModerationSettings(await ctx.x.readJson())) })))
    .add('PUT', '/v1/conversations/:id/members/:userId/rank', route(async (ctx) => ({ op: 'rank.set', user_id: user(ctx), rank: must(validateRank(await ctx.x.readJson())).rank })))
    .add('POST', '/v1/conversations/:id/members/:userId/mute', route(async (ctx) => ({ op: 'mute', user_id: user(ctx), duration_seconds: must(validateMute(await ctx.x.readJson())).duration_seconds })))
    .add('DELETE', '/v1/conversations/:id/members/:userId/mute', route((ctx) => ({ op: 'unmute', user_id: user(ctx) })))
    .add('POST', '/v1/conversations/:id/members/:userId/kick', route((ctx) => ({ op: 'kick', user_id: user(ctx) })))
    .add('GET', '/v1/conversations/:id/bans', route((ctx) => ({ op: 'bans.list', ...must(parsePageQuery(ctx.x.query)) })))
    .add('POST', '/v1/conversations/:id/bans', route(async (ctx) => ({ op: 'ban', ...must(validateBan(await ctx.x.readJson())) })))
    .add('DELETE', '/v1/conversations/:id/bans/:userId', route((ctx) => ({ op: 'unban', user_id: user(ctx) })))
    .add('POST', '/v1/conversations/:id/messages/:seq/reports', route(async (ctx) => {
      const seq = must(parseSeqParam(ctx.params.seq));
      return { op: 'report', seq, reason: must(validateReport(await ctx.x.readJson())).reason };
    }))
    .add('GET', '/v1/conversations/:id/reports', route((ctx) => ({ op: 'reports.list', ...must(parseReportsQuery(ctx.x.query)) })))
    .add('POST', '/v1/conversations/:id/reports/:reportId/resolve', route(async (ctx) => ({
      op: 'report.resolve',
      report_id: must(parseReportId(ctx.params.reportId)),
      resolution: must(validateResolveReport(await ctx.x.readJson())).resolution,
    })))
    .add('GET', '/v1/conversations/:id/audit', route((ctx) => ({ op: 'audit.list', ...must(parsePageQuery(ctx.x.query)) })));
}
