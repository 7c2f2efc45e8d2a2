import {
  assertAdmin, assertCanChangeRank, assertCanModerate, assertModerator, Conversation, DomainError, Membership, notFound, roleOf, validationFailed,
} from '@parley/domain';
import { ConversationEvent, EventLog, MessageStore, ModerationReply, ModerationRequest, Topics, UserDirectory } from '@parley/ports';
import { messageAt } from '../sequencer/lifecycle-ops';
import { ConversationRepository } from '../storage/conversation.repository';
import { AuditAction, ModerationRepository } from './moderation.repository';
import { decodeIdCursor, decodeUserCursor, encodeUserCursor } from './moderation-cursor';

type Ctx = { conversation: Conversation; me: Membership };

const ok = (body: Record<string, unknown> | null, created = false): ModerationReply => ({ created, body });

/**
 * Moderation of one conversation (issue 13.4, docs/adr/0017-moderation.md). Every check is in
 * libs/domain/src/moderation.rules.ts; every action that changes something is audited.
 */
export class ModerationUseCase {
  constructor(
    private readonly repo: ConversationRepository,
    private readonly mod: ModerationRepository,
    private readonly messages: MessageStore,
    private readonly users: UserDirectory,
    private readonly log: EventLog,
  ) {}

  async execute(actorId: string, conversationId: string, req: ModerationRequest): Promise<ModerationReply> {
    const found = await this.repo.getForMember(conversationId, actorId);
    if (!found) throw notFound('conversation not found');
    const ctx: Ctx = { conversation: found.conversation, me: found.me };
    switch (req.op) {
      case 'settings.get':
        return ok(await this.settingsView(ctx));
      case 'settings.set':
        return this.setSettings(ctx, req.slow_mode_seconds, req.announcement);
      case 'rank.set':
        return this.setRank(ctx, req.user_id, req.rank);
      case 'mute':
        return this.mute(ctx, req.user_id, req.duration_seconds);
      case 'unmute':
        return this.unmute(ctx, req.user_id);
      case 'kick':
        return this.kick(ctx, req.user_id);
      case 'ban':
        return this.ban(ctx, req.user_id, req.reason);
      case 'unban':
        return this.unban(ctx, req.user_id);
      case 'bans.list': {
        assertModerator(ctx.conversation, ctx.me);
        const bans = await this.mod.bans(conversationId, req.limit + 1, decodeUserCursor(req.cursor));
        const page = bans.slice(0, req.limit);
        return ok({ bans: page, next_cursor: bans.length > req.limit ? encodeUserCursor(page[page.length - 1].user_id) : null });
      }
      case 'report':
        return this.report(ctx, req.seq, req.reason);
      case 'reports.list': {
        assertModerator(ctx.conversation, ctx.me);
        const reports = await this.mod.reports(conversationId, req.status, req.limit + 1, decodeIdCursor(req.cursor));
        const page = reports.slice(0, req.limit);
        return ok({ reports: page, next_cursor: reports.length > req.limit ? page[page.length - 1].id : null });
      }
      case 'report.resolve':
        return this.resolve(ctx, req.report_id, req.resolution);
      case 'audit.list': {
        assertModerator(ctx.conversation, ctx.me);
        const entries = await this.mod.auditPage(conversationId, req.limit + 1, decodeIdCursor(req.cursor));
        const page = entries.slice(0, req.limit);
        return ok({ entries: page, next_cursor: entries.length > req.limit ? page[page.length - 1].id : null });
      }
    }
  }

  private async settingsView(ctx: Ctx): Promise<Record<string, unknown>> {
    const s = await this.mod.settings(ctx.conversation.id);
    const muted = await this.mod.mutedUntil(ctx.conversation.id, ctx.me.user_id);
    const mutedUntil = muted !== null && Date.parse(muted) > Date.now() ? muted : null;
    return { conversation_id: ctx.conversation.id, ...s, me: { rank: ctx.me.role, muted_until: mutedUntil } };
  }

  private async setSettings(ctx: Ctx, slow: number | undefined, announcement: boolean | undefined): Promise<ModerationReply> {
    if (announcement !== undefined) assertAdmin(ctx.conversation, ctx.me);
    else assertModerator(ctx.conversation, ctx.me);
    const before = await this.mod.settings(ctx.conversation.id);
    const after = await this.mod.setSettings(ctx.conversation.id, { slow_mode_seconds: slow, announcement });
    await this.audit(ctx, 'settings.changed', null, { before, after });
    return ok(await this.settingsView(ctx));
  }

  private async target(ctx: Ctx, userId: string): Promise<Membership> {
    const m = await this.repo.membership(ctx.conversation.id, userId);
    if (!m) throw notFound('member not found');
    return m;
  }

  private memberView(m: Membership, mutedUntil: string | null) {
    return { member: { user_id: m.user_id, role: roleOf(m.role), rank: m.role, joined_at: m.joined_at, muted_until: mutedUntil } };
  }

  private async setRank(ctx: Ctx, userId: string, rank: Membership['role']): Promise<ModerationReply> {
    const target = await this.target(ctx, userId);
    assertCanChangeRank(ctx.conversation, ctx.me, target, rank, await this.mod.owners(ctx.conversation.id));
    if (target.role !== rank) {
      await this.mod.setRank(ctx.conversation.id, userId, rank);
      await this.audit(ctx, 'rank.changed', userId, { from: target.role, to: rank });
    }
    return ok(this.memberView({ ...target, role: rank }, await this.mod.mutedUntil(ctx.conversation.id, userId)));
  }

  private async mute(ctx: Ctx, userId: string, seconds: number): Promise<ModerationReply> {
    const target = await this.target(ctx, userId);
    assertCanModerate(ctx.conversation, ctx.me, userId, target);
    const until = new Date(Date.now() + seconds * 1000).toISOString();
    await this.mod.setMute(ctx.conversation.id, userId, until);
    await this.audit(ctx, 'member.muted', userId, { duration_seconds: seconds, muted_until: until });
    return ok(this.memberView(target, until));
  }

  private async unmute(ctx: Ctx, userId: string): Promise<ModerationReply> {
    const target = await this.target(ctx, userId);
    assertCanModerate(ctx.conversation, ctx.me, userId, target);
    await this.mod.setMute(ctx.conversation.id, userId, null);
    await this.audit(ctx, 'member.unmuted', userId, null);
    return ok(this.memberView(target, null));
  }

  /** Removes a member (they may be added again); the same member.removed event as a leave. */
  private async kick(ctx: Ctx, userId: string): Promise<ModerationReply> {
    const target = await this.target(ctx, userId);
    assertCanModerate(ctx.conversation, ctx.me, userId, target);
    await this.remove(ctx.conversation.id, userId);
    await this.audit(ctx, 'member.kicked', userId, null);
    return ok(null);
  }

  /** Bans a member or any known user: removed now, and never added again until unbanned. */
  private async ban(ctx: Ctx, userId: string, reason: string | null): Promise<ModerationReply> {
    const target = await this.repo.membership(ctx.conversation.id, userId);
    assertCanModerate(ctx.conversation, ctx.me, userId, target);
    if (!target && !(await this.users.existingIds([userId])).has(userId)) throw validationFailed('unknown user id');
    const created = (await this.mod.bannedAmong(ctx.conversation.id, [userId])).length === 0;
    const ban = await this.mod.ban(ctx.conversation.id, userId, ctx.me.user_id, reason, new Date().toISOString());
    if (target) await this.remove(ctx.conversation.id, userId);
    if (created) await this.audit(ctx, 'member.banned', userId, reason === null ? null : { reason });
    return ok({ ban }, created);
  }

  private async unban(ctx: Ctx, userId: string): Promise<ModerationReply> {
    assertModerator(ctx.conversation, ctx.me);
    if (!(await this.mod.unban(ctx.conversation.id, userId))) throw notFound('no such ban');
    await this.audit(ctx, 'member.unbanned', userId, null);
    return ok(null);
  }

  /** Any member reports a message (not an entry; a deleted one too, it may still need a decision). */
  private async report(ctx: Ctx, seq: number, reason: string): Promise<ModerationReply> {
    if (ctx.conversation.type !== 'group') throw new DomainError('FORBIDDEN', 'a direct conversation has no moderation');
    const target = await messageAt(this.messages, ctx.conversation.id, seq);
    if (!target || target.kind !== undefined) throw notFound('message not found');
    const { report, created } = await this.mod.report(ctx.conversation.id, seq, ctx.me.user_id, reason, new Date().toISOString());
    return ok({ report }, created);
  }

  private async resolve(ctx: Ctx, reportId: string, resolution: 'dismissed' | 'actioned'): Promise<ModerationReply> {
    assertModerator(ctx.conversation, ctx.me);
    const existing = await this.mod.findReport(ctx.conversation.id, reportId);
    if (!existing) throw notFound('report not found');
    const report = await this.mod.resolve(ctx.conversation.id, reportId, ctx.me.user_id, resolution, new Date().toISOString());
    if (!report) throw new DomainError('CONFLICT', 'the report is already resolved');
    await this.audit(ctx, 'report.resolved', existing.reporter_id, { report_id: reportId, resolution }, existing.seq);
    return ok({ report });
  }

  private async remove(conversationId: string, userId: string): Promise<void> {
    const { removed } = await this.repo.removeMember(conversationId, userId);
    if (!removed) return;
    const event: ConversationEvent = { type: 'member.removed', conversation_id: conversationId, user_id: userId };
    await this.log.append(Topics.events, conversationId, event);
  }

  private audit(ctx: Ctx, action: AuditAction, targetUserId: string | null, details: Record<string, unknown> | null, targetSeq: number | null = null): Promise<void> {
    return this.mod.audit({ conversation_id: ctx.conversation.id, actor_id: ctx.me.user_id, action, target_user_id: targetUserId, target_seq: targetSeq, details, at: new Date().toISOString() });
  }
}
