import { DomainError } from '@parley/domain';
import { ConversationApi } from '@parley/ports';
import { LifecycleFrame, parseRepliesQuery, parseSeqParam, Result, validateDeleteMessage, validateEditMessage, validateReaction } from '@parley/protocol';
import { ingressOf } from '../send/lifecycle-sends';
import { SendPipeline } from '../send/send-pipeline';
import { RestRouter, RouteContext, RouteReply } from './rest-router';

type Authed = (fn: (ctx: RouteContext, me: { userId: string }) => Promise<RouteReply>) => (ctx: RouteContext) => Promise<RouteReply>;

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw new DomainError('VALIDATION_FAILED', r.message);
  return r.value;
};

/**
 * Issue 13's routes (docs/api/v1.md, docs/adr/0010-message-lifecycle.md): edit, delete and
 * reactions go through the ingress log like a send and are answered like one (201 with the entry
 * the first time, 200 with it when the client_msg_id repeats); replies and revisions are reads.
 */
export function addLifecycleRoutes(router: RestRouter, conversations: ConversationApi, pipeline: SendPipeline, timeoutMs: number, authed: Authed, pathId: (ctx: RouteContext, name: string) => string): RestRouter {
  const seqOf = (ctx: RouteContext) => must(parseSeqParam(ctx.params.seq));

  const operate = (read: (body: unknown, conversationId: string, seq: number, userId: string) => LifecycleFrame) => authed(async (ctx, me) => {
    const id = pathId(ctx, 'id');
    const seq = seqOf(ctx);
    const frame = read(await ctx.x.readJson(), id, seq, me.userId);
    // Non-members learn nothing: the same 404 as an unknown conversation, before anything is queued.
    if (!(await conversations.isMember(me.userId, id))) throw new DomainError('NOT_FOUND', 'conversation not found');
    const { text, extras } = ingressOf(frame);
    const outcome = await pipeline.sendAndWait(me.userId, id, frame.client_msg_id, { text }, timeoutMs, {}, extras);
    if (outcome.kind === 'rejected') throw new DomainError(outcome.code, outcome.message, outcome.retry_after);
    return { status: outcome.created ? 201 : 200, body: { message: outcome.message } };
  });

  const reaction = (action: 'add' | 'remove') => (body: unknown, conversationId: string, seq: number, userId: string): LifecycleFrame => {
    const input = must(validateReaction(body));
    if (!pipeline.allowReaction(userId)) throw new DomainError('RATE_LIMITED', 'reacting too fast');
    return { type: 'react', conversation_id: conversationId, seq, client_msg_id: input.client_msg_id, emoji: input.emoji, action };
  };

  return router
    .add('PATCH', '/v1/conversations/:id/messages/:seq', operate((body, conversationId, seq) => {
      const input = must(validateEditMessage(body));
      return { type: 'edit', conversation_id: conversationId, seq, client_msg_id: input.client_msg_id, body: input.body };
    }))
    .add('DELETE', '/v1/conversations/:id/messages/:seq', operate((body, conversationId, seq) => ({ type: 'delete', conversation_id: conversationId, seq, client_msg_id: must(validateDeleteMessage(body)).client_msg_id })))
    .add('POST', '/v1/conversations/:id/messages/:seq/reactions', operate(reaction('add')))
    .add('DELETE', '/v1/conversations/:id/messages/:seq/reactions', operate(reaction('remove')))
    .add('GET', '/v1/conversations/:id/messages/:seq/replies', authed(async (ctx, me) => {
      const q = must(parseRepliesQuery(ctx.x.query));
      return { status: 200, body: await conversations.replies(me.userId, pathId(ctx, 'id'), seqOf(ctx), q.after_seq, q.limit) };
    }))
    .add('GET', '/v1/conversations/:id/messages/:seq/revisions', authed(async (ctx, me) => ({ status: 200, body: await conversations.revisions(me.userId, pathId(ctx, 'id'), seqOf(ctx)) })));
}
