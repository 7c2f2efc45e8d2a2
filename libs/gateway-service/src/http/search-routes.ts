import { DomainError } from '@parley/domain';
import { ConversationApi } from '@parley/ports';
import { parseSearchQuery } from '@parley/protocol';
import { RestRouter, RouteContext, RouteReply } from './rest-router';

type Authed = (fn: (ctx: RouteContext, me: { userId: string }) => Promise<RouteReply>) => (ctx: RouteContext) => Promise<RouteReply>;

/** Issue 13.3 (docs/api/v1.md "Search", docs/adr/0015-search.md): full-text search over the caller's conversations. */
export function addSearchRoutes(router: RestRouter, conversations: ConversationApi, authed: Authed): RestRouter {
  return router.add('GET', '/v1/search/messages', authed(async (ctx, me) => {
    const r = parseSearchQuery(ctx.x.query);
    if (!r.ok) throw new DomainError('VALIDATION_FAILED', r.message);
    return { status: 200, body: await conversations.search(me.userId, r.value) };
  }));
}
