import { DomainError, unauthenticated } from '@parley/domain';
import { AuthApi, ConversationApi, PushApi } from '@parley/ports';
import { Result, validateConversationNotification, validateNotificationPrefs, validateRegisterDevice, validateUnregisterDevice } from '@parley/protocol';
import { RestRouter, RouteContext, RouteReply } from './rest-router';

interface Caller {
  userId: string;
  sessionId: string;
}

type Authed = (fn: (ctx: RouteContext, me: Caller) => Promise<RouteReply>) => (ctx: RouteContext) => Promise<RouteReply>;

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw new DomainError('VALIDATION_FAILED', r.message);
  return r.value;
};

/**
 * The push extension (docs/api/v1.md, Extensions): the caller's devices, per-conversation
 * notification settings (members only: a non-member gets 404, as for an unknown conversation)
 * and the caller's preview preference.
 */
export function addPushRoutes(router: RestRouter, push: PushApi, conversations: ConversationApi, auth: Pick<AuthApi, 'sessionActive'>, authed: Authed, pathId: (ctx: RouteContext, name: string) => string): RestRouter {
  const memberOf = async (me: Caller, id: string) => {
    if (!(await conversations.isMember(me.userId, id))) throw new DomainError('NOT_FOUND', 'conversation not found');
  };
  return router
    .add('GET', '/v1/me/devices', authed(async (_ctx, me) => ({ status: 200, body: { devices: await push.listDevices(me.userId, me.sessionId) } })))
    .add('POST', '/v1/me/devices', authed(async ({ x }, me) => {
      const input = must(validateRegisterDevice(await x.readJson()));
      // A device lives as long as its session: none is registered for a session already revoked.
      if (!(await auth.sessionActive(me.sessionId))) throw unauthenticated('session revoked');
      return { status: 200, body: { device: await push.registerDevice(me.userId, me.sessionId, input) } };
    }))
    .add('DELETE', '/v1/me/devices', authed(async ({ x }, me) => {
      await push.unregisterDevice(me.userId, must(validateUnregisterDevice(await x.readJson())).token);
      return { status: 204 };
    }))
    .add('GET', '/v1/me/notification-settings', authed(async (_ctx, me) => ({ status: 200, body: await push.getPrefs(me.userId) })))
    .add('PUT', '/v1/me/notification-settings', authed(async ({ x }, me) => ({ status: 200, body: await push.setPrefs(me.userId, must(validateNotificationPrefs(await x.readJson()))) })))
    .add('GET', '/v1/conversations/:id/notifications', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      await memberOf(me, id);
      return { status: 200, body: await push.getConversationSettings(me.userId, id) };
    }))
    .add('PUT', '/v1/conversations/:id/notifications', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const change = must(validateConversationNotification(await ctx.x.readJson()));
      await memberOf(me, id);
      return { status: 200, body: await push.setConversationSettings(me.userId, id, change) };
    }));
}
