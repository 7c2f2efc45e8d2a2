import { DomainError, unauthenticated, User } from '@parley/domain';
import { AuthApi, ConversationApi, PresenceApi, PushApi, UserDirectory } from '@parley/ports';
import {
  asyncApiDocument, isCleanText, openApiDocument, parseHistoryQuery, parsePageQuery, parseReadReceiptsQuery, Result, validateAddMembers, validateCreateConversation, validateId, validateLogin,
  validateReadMarker, validateRefresh, validateRegister, validateSendMessage,
} from '@parley/protocol';
import { TokenVerifier } from '@parley/tokens';
import { bearerToken } from '../auth/presented-token';
import { SessionLiveness } from '../auth/session-liveness';
import { AuthThrottle } from '../limits/auth-throttle';
import { SendPipeline } from '../send/send-pipeline';
import { HttpExchange } from './http-exchange';
import { addCodeRoutes } from './code-routes';
import { addLifecycleRoutes } from './lifecycle-routes';
import { addSearchRoutes } from './search-routes';
import { addModerationRoutes } from './moderation-routes';
import { addPushRoutes } from './push-routes';
import { addAttachmentRoutes } from './attachment-routes';
import { AttachmentService } from '../attachments/attachment-service';
import { RestRouter, RouteContext, RouteReply } from './rest-router';

export interface RestDeps {
  auth: AuthApi;
  users: UserDirectory;
  conversations: ConversationApi;
  presence: PresenceApi;
  push: PushApi;
  pipeline: SendPipeline;
  verifier: TokenVerifier;
  sessions: SessionLiveness;
  throttle: AuthThrottle;
  restSendTimeoutMs: number;
  attachments: AttachmentService;
}

/** The version the API documents carry (the v1 contract plus its additive extensions). */
const API_VERSION = '1.1.0';

interface Caller {
  userId: string;
  sessionId: string;
}

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw new DomainError('VALIDATION_FAILED', r.message);
  return r.value;
};

const userDto = (u: User) => ({ id: u.id, username: u.username, display_name: u.display_name, created_at: u.created_at });

/** The v1 REST surface (../shared/api/v1.md), plus the extensions listed at the end of docs/api/v1.md. */
export function buildRestRouter(deps: RestDeps): RestRouter {
  const { auth, users, conversations, presence, pipeline } = deps;

  const caller = async (x: HttpExchange): Promise<Caller> => {
    const token = bearerToken(x.authorization);
    if (token === null) throw unauthenticated('missing bearer token');
    const claims = await deps.verifier.verify(token);
    // Every request, not only the upgrade: a logged-out or unknown session is refused (a map lookup
    // while the session is known; one auth call the first time this gateway sees it).
    if (!(await deps.sessions.isAlive(claims.sid, claims.exp))) throw unauthenticated('session revoked');
    return { userId: claims.sub, sessionId: claims.sid };
  };

  const authed = (fn: (ctx: RouteContext, me: Caller) => Promise<RouteReply>) => async (ctx: RouteContext) => fn(ctx, await caller(ctx.x));
  const pathId = (ctx: RouteContext, name: string) => must(validateId(ctx.params[name], name));

  // The contract as documents, generated from the schemas the gateway validates with (built once).
  const documents = { openapi: openApiDocument(API_VERSION), asyncapi: asyncApiDocument(API_VERSION) };
  const publicDoc = (body: unknown) => async () => ({ status: 200, body, headers: { 'cache-control': 'max-age=300' } });

  const router = new RestRouter()
    .add('GET', '/v1/openapi.json', publicDoc(documents.openapi))
    .add('GET', '/v1/asyncapi.json', publicDoc(documents.asyncapi))
    .add('POST', '/v1/auth/register', async ({ x }) => {
      await deps.throttle.beforeRegister(x.address);
      return { status: 201, body: await auth.register(must(validateRegister(await x.readJson()))) };
    })
    .add('POST', '/v1/auth/login', async ({ x }) => {
      const input = must(validateLogin(await x.readJson()));
      await deps.throttle.beforeLogin(x.address, input.username);
      try {
        const body = await auth.login(input);
        await deps.throttle.loginSucceeded(x.address, input.username);
        return { status: 200, body };
      } catch (e) {
        if (e instanceof DomainError && e.code === 'UNAUTHENTICATED') await deps.throttle.loginFailed(x.address, input.username);
        throw e;
      }
    })
    .add('POST', '/v1/auth/refresh', async ({ x }) => {
      await deps.throttle.beforeRefresh(x.address);
      return { status: 200, body: await auth.refresh(must(validateRefresh(await x.readJson())).refresh_token) };
    })
    .add('POST', '/v1/auth/logout', authed(async (_ctx, me) => {
      await auth.logout(me.userId, me.sessionId);
      deps.sessions.revoke(me.sessionId);
      return { status: 204 };
    }))
    .add('GET', '/.well-known/jwks.json', async () => ({ status: 200, body: await auth.jwks(), headers: { 'cache-control': 'max-age=60' } }))
    .add('GET', '/v1/me', authed(async (_ctx, me) => {
      const u = await auth.getUser(me.userId);
      if (!u) throw unauthenticated('unknown user');
      return { status: 200, body: userDto(u) };
    }))
    .add('GET', '/v1/users', authed(async ({ x }) => {
      const name = x.query.get('username');
      if (!name || name.length > 64) throw new DomainError('VALIDATION_FAILED', 'username query parameter required');
      if (!isCleanText(name)) throw new DomainError('VALIDATION_FAILED', 'username must not contain NUL characters or unpaired surrogates');
      const u = await users.findByUsername(name.toLowerCase());
      if (!u) throw new DomainError('NOT_FOUND', 'user not found');
      return { status: 200, body: { user: userDto(u) } };
    }))
    .add('GET', '/v1/users/:id', authed(async (ctx) => {
      const u = await auth.getUser(pathId(ctx, 'id'));
      if (!u) throw new DomainError('NOT_FOUND', 'user not found');
      return { status: 200, body: userDto(u) };
    }))
    .add('GET', '/v1/users/:id/presence', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      // Private to people who share a conversation with the user: anyone else gets the 404 of an unknown user.
      if (id !== me.userId && !(await conversations.sharesConversation(me.userId, id))) throw new DomainError('NOT_FOUND', 'user not found');
      if (!(await auth.getUser(id))) throw new DomainError('NOT_FOUND', 'user not found');
      return { status: 200, body: await presence.get(id) };
    }))
    .add('POST', '/v1/conversations', authed(async ({ x }, me) => {
      const input = must(validateCreateConversation(await x.readJson()));
      const { conversation, created } = await conversations.create(me.userId, {
        type: input.type,
        title: input.type === 'group' ? input.title : null,
        member_ids: input.member_ids,
        ...(input.type === 'group' && input.anonymous ? { anonymous: input.anonymous } : {}),
      });
      return { status: created ? 201 : 200, body: conversation };
    }))
    .add('GET', '/v1/conversations', authed(async ({ x }, me) => {
      const q = must(parsePageQuery(x.query));
      const page = await conversations.list(me.userId, q.limit, q.cursor);
      return { status: 200, body: { conversations: page.items, next_cursor: page.next_cursor } };
    }))
    .add('GET', '/v1/conversations/:id', authed(async (ctx, me) => ({ status: 200, body: await conversations.get(me.userId, pathId(ctx, 'id')) })))
    .add('GET', '/v1/conversations/:id/members', authed(async (ctx, me) => {
      const q = must(parsePageQuery(ctx.x.query));
      const page = await conversations.members(me.userId, pathId(ctx, 'id'), q.limit, q.cursor);
      return { status: 200, body: { members: page.items, next_cursor: page.next_cursor } };
    }))
    .add('POST', '/v1/conversations/:id/members', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const input = must(validateAddMembers(await ctx.x.readJson()));
      return { status: 200, body: await conversations.addMembers(me.userId, id, input.user_ids, input.anonymous === true) };
    }))
    .add('DELETE', '/v1/conversations/:id/members/:userId', authed(async (ctx, me) => {
      await conversations.removeMember(me.userId, pathId(ctx, 'id'), pathId(ctx, 'userId'));
      return { status: 204 };
    }))
    .add('POST', '/v1/conversations/:id/messages', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const input = must(validateSendMessage(await ctx.x.readJson()));
      // Non-members learn nothing: the same 404 as an unknown conversation, before anything is queued.
      if (!(await conversations.isMember(me.userId, id))) throw new DomainError('NOT_FOUND', 'conversation not found');
      const body = await deps.attachments.bodyFor(me.userId, id, input.body);
      const extras = input.reply_to === undefined ? {} : { reply_to: input.reply_to };
      const outcome = await pipeline.sendAndWait(me.userId, id, input.client_msg_id, body, deps.restSendTimeoutMs, ctx.trace, extras);
      if (outcome.kind === 'rejected') throw new DomainError(outcome.code === 'FORBIDDEN' ? 'NOT_FOUND' : outcome.code, outcome.code === 'FORBIDDEN' ? 'conversation not found' : outcome.message, outcome.retry_after);
      return { status: outcome.created ? 201 : 200, body: { message: outcome.message } };
    }))
    .add('GET', '/v1/conversations/:id/messages', authed(async (ctx, me) => {
      const q = must(parseHistoryQuery(ctx.x.query));
      return { status: 200, body: await conversations.history(me.userId, pathId(ctx, 'id'), q) };
    }))
    .add('POST', '/v1/conversations/:id/read', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const input = must(validateReadMarker(await ctx.x.readJson()));
      await conversations.markRead(me.userId, id, input.seq);
      return { status: 204 };
    }))
    // Extension: "read by N", the form read receipts take in large groups (one COUNT, members only).
    .add('GET', '/v1/conversations/:id/read-receipts', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const q = must(parseReadReceiptsQuery(ctx.x.query));
      return { status: 200, body: await conversations.readReceipts(me.userId, id, q.seq) };
    }));
  addLifecycleRoutes(router, conversations, pipeline, deps.restSendTimeoutMs, authed, pathId);
  addAttachmentRoutes(router, deps.attachments, conversations, authed, pathId);
  addSearchRoutes(router, conversations, authed);
  addModerationRoutes(router, conversations, authed, pathId);
  return addCodeRoutes(addPushRoutes(router, deps.push, conversations, auth, authed, pathId), auth, deps.throttle, authed);
}
