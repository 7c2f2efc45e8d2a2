import { DomainError } from '@parley/domain';
import { ConversationApi } from '@parley/ports';
import { Result, validateCreateAttachment } from '@parley/protocol';
import { AttachmentService } from '../attachments/attachment-service';
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
 * The attachments extension (docs/api/v1.md, Attachments): an upload URL for a member, and
 * short-lived download URLs of a sent attachment for a member. A non-member gets the 404 of an
 * unknown conversation, before any file is looked at.
 */
export function addAttachmentRoutes(router: RestRouter, attachments: AttachmentService, conversations: ConversationApi, authed: Authed, pathId: (ctx: RouteContext, name: string) => string): RestRouter {
  const memberOf = async (me: Caller, id: string) => {
    if (!(await conversations.isMember(me.userId, id))) throw new DomainError('NOT_FOUND', 'conversation not found');
  };
  return router
    .add('POST', '/v1/conversations/:id/attachments', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const input = must(validateCreateAttachment(await ctx.x.readJson()));
      await memberOf(me, id);
      return { status: 201, body: await attachments.createUpload(me.userId, id, input.content_type, input.size) };
    }))
    .add('GET', '/v1/conversations/:id/attachments/:attachmentId', authed(async (ctx, me) => {
      const id = pathId(ctx, 'id');
      const attachmentId = pathId(ctx, 'attachmentId');
      await memberOf(me, id);
      return { status: 200, body: await attachments.download(id, attachmentId), headers: { 'cache-control': 'no-store' } };
    }));
}
