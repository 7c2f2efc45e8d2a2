import { memberWhere } from '../anonymous/participants.repository';
import { Rank } from '@parley/domain';
import { RelationalDb } from '@parley/ports';
import type { AuditActionDto, AuditEntryDto, BanDto, ReportDto } from '@parley/protocol';

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();
const isoOrNull = (v: Date | string | null) => (v === null ? null : iso(v));

export interface ModerationSettings {
  slow_mode_seconds: number;
  announcement: boolean;
}

/** The repository's records are what the moderation routes answer (docs/api/v1.md, Moderation). */
export type BanRecord = BanDto;
export type ReportRecord = ReportDto;
export type Resolution = NonNullable<ReportDto['resolution']>;
export type AuditAction = AuditActionDto;
export type AuditRecord = AuditEntryDto;

interface ReportModel {
  id: bigint;
  conversationId: string;
  targetSeq: bigint;
  reporterId: string;
  reason: string;
  createdAt: Date;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolution: string | null;
}

const toReport = (r: ReportModel): ReportRecord => ({
  id: String(r.id),
  conversation_id: r.conversationId,
  seq: Number(r.targetSeq),
  reporter_id: r.reporterId,
  reason: r.reason,
  created_at: r.createdAt.toISOString(),
  status: r.resolvedAt === null ? 'open' : 'resolved',
  resolved_by: r.resolvedBy,
  resolved_at: isoOrNull(r.resolvedAt),
  resolution: r.resolution as Resolution | null,
});

/** A report or audit id (a bigserial) as a bigint; null for a string that cannot be one. */
const idOf = (id: string): bigint | null => (/^[0-9]{1,18}$/.test(id) ? BigInt(id) : null);

const toBan = (row: { userId: string; participantId: string | null; bannedBy: string; reason: string | null; bannedAt: Date }): BanRecord => ({
  user_id: row.participantId ?? row.userId,
  banned_by: row.bannedBy,
  reason: row.reason,
  banned_at: row.bannedAt.toISOString(),
});

/**
 * The moderation state of conversations (docs/adr/0017-moderation.md), in the messaging database,
 * on Prisma Client's model API (docs/adr/0004-relational-data.md) except the ban list, keyset-paged
 * by the pseudonym-or-user id it shows (an expression, which the model API cannot order by).
 */
export class ModerationRepository {
  constructor(private readonly db: RelationalDb) {}

  async settings(conversationId: string): Promise<ModerationSettings> {
    const row = await this.db.run((c) => c.conversation.findUnique({ where: { id: conversationId }, select: { slowModeSeconds: true, announcement: true } }));
    return { slow_mode_seconds: row?.slowModeSeconds ?? 0, announcement: row?.announcement === true };
  }

  async setSettings(conversationId: string, s: Partial<ModerationSettings>): Promise<ModerationSettings> {
    const data = { ...(s.slow_mode_seconds === undefined ? {} : { slowModeSeconds: s.slow_mode_seconds }), ...(s.announcement === undefined ? {} : { announcement: s.announcement }) };
    if (Object.keys(data).length > 0) await this.db.run((c) => c.conversation.updateMany({ where: { id: conversationId }, data }));
    return this.settings(conversationId);
  }

  async mutedUntil(conversationId: string, userId: string): Promise<string | null> {
    const row = await this.db.run((c) => c.membership.findFirst({ where: memberWhere(conversationId, userId), select: { mutedUntil: true } }));
    return isoOrNull(row?.mutedUntil ?? null);
  }

  async setRank(conversationId: string, userId: string, rank: Rank): Promise<void> {
    await this.db.run((c) => c.membership.updateMany({ where: { conversationId, userId }, data: { role: rank } }));
  }

  async owners(conversationId: string): Promise<number> {
    return this.db.run((c) => c.membership.count({ where: { conversationId, role: 'owner' } }));
  }

  async setMute(conversationId: string, userId: string, until: string | null): Promise<void> {
    await this.db.run((c) => c.membership.updateMany({ where: { conversationId, userId }, data: { mutedUntil: until === null ? null : new Date(until) } }));
  }

  /**
   * `participantId` (issue 14): the pseudonym the ban was made through, which the ban shows instead
   * of the user id. A second ban of the same user keeps the first (a new reason replaces the old).
   */
  async ban(conversationId: string, userId: string, by: string, reason: string | null, at: string, participantId: string | null = null): Promise<BanRecord> {
    const row = await this.db.run((c) =>
      c.conversationBan.upsert({
        where: { conversationId_userId: { conversationId, userId } },
        create: { conversationId, userId, bannedBy: by, reason, bannedAt: new Date(at), participantId },
        update: reason === null ? {} : { reason },
      }),
    );
    return toBan(row);
  }

  async unban(conversationId: string, userId: string): Promise<boolean> {
    const r = await this.db.run((c) => c.conversationBan.deleteMany({ where: { conversationId, userId } }));
    return r.count > 0;
  }

  async bannedAmong(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.run((c) => c.conversationBan.findMany({ where: { conversationId, userId: { in: [...userIds] } }, select: { userId: true } }));
    return rows.map((x) => x.userId);
  }

  /** Bans ordered by the id they show (the pseudonym, else the user id), keyset-paged. */
  async bans(conversationId: string, limit: number, afterUserId: string | null): Promise<BanRecord[]> {
    const rows = await this.db.run((c) => c.$queryRaw<Array<{ user_id: string; banned_by: string; reason: string | null; banned_at: Date | string }>>`
      SELECT COALESCE(participant_id, user_id) AS user_id, banned_by, reason, banned_at FROM conversation_bans
       WHERE conversation_id = ${conversationId} AND (${afterUserId}::text IS NULL OR COALESCE(participant_id, user_id) > ${afterUserId}::text)
       ORDER BY COALESCE(participant_id, user_id) LIMIT ${limit}::int`);
    return rows.map((row) => ({ user_id: row.user_id, banned_by: row.banned_by, reason: row.reason, banned_at: iso(row.banned_at) }));
  }

  /** Files a report; a member's second report of the same message is the first one (created: false). */
  async report(conversationId: string, seq: number, reporterId: string, reason: string, at: string): Promise<{ report: ReportRecord; created: boolean }> {
    const key = { conversationId, targetSeq: BigInt(seq), reporterId };
    const inserted = await this.db.run((c) => c.moderationReport.createManyAndReturn({ data: [{ ...key, reason, createdAt: new Date(at) }], skipDuplicates: true }));
    if (inserted[0]) return { report: toReport(inserted[0]), created: true };
    const first = await this.db.run((c) => c.moderationReport.findUniqueOrThrow({ where: { conversationId_targetSeq_reporterId: key } }));
    return { report: toReport(first), created: false };
  }

  async findReport(conversationId: string, id: string): Promise<ReportRecord | null> {
    const n = idOf(id);
    const row = n === null ? null : await this.db.run((c) => c.moderationReport.findFirst({ where: { id: n, conversationId } }));
    return row ? toReport(row) : null;
  }

  /** Reports oldest first, keyset-paged by id; `open` only, or all. */
  async reports(conversationId: string, status: 'open' | 'all', limit: number, afterId: string | null): Promise<ReportRecord[]> {
    const after = afterId === null ? null : idOf(afterId);
    const rows = await this.db.run((c) =>
      c.moderationReport.findMany({
        where: { conversationId, ...(status === 'open' ? { resolvedAt: null } : {}), ...(after === null ? {} : { id: { gt: after } }) },
        orderBy: { id: 'asc' },
        take: limit,
      }),
    );
    return rows.map(toReport);
  }

  /** Resolves an open report; null when it was already resolved. */
  async resolve(conversationId: string, id: string, by: string, resolution: Resolution, at: string): Promise<ReportRecord | null> {
    const n = idOf(id);
    if (n === null) return null;
    const r = await this.db.run((c) => c.moderationReport.updateManyAndReturn({ where: { id: n, conversationId, resolvedAt: null }, data: { resolvedBy: by, resolution, resolvedAt: new Date(at) } }));
    return r[0] ? toReport(r[0]) : null;
  }

  /** Appends to the audit log; a `dedupeKey` already there (a repeated sequencer step) writes nothing. */
  async audit(e: Omit<AuditRecord, 'id'>, dedupeKey: string | null = null): Promise<void> {
    await this.db.run((c) =>
      c.moderationAudit.createMany({
        data: [{
          conversationId: e.conversation_id,
          actorId: e.actor_id,
          action: e.action,
          targetUserId: e.target_user_id,
          targetSeq: e.target_seq === null ? null : BigInt(e.target_seq),
          details: e.details === null ? null : JSON.stringify(e.details),
          at: new Date(e.at),
          dedupeKey,
        }],
        skipDuplicates: true,
      }),
    );
  }

  /** The audit log newest first, keyset-paged by id. */
  async auditPage(conversationId: string, limit: number, beforeId: string | null): Promise<AuditRecord[]> {
    const before = beforeId === null ? null : idOf(beforeId);
    const rows = await this.db.run((c) =>
      c.moderationAudit.findMany({ where: { conversationId, ...(before === null ? {} : { id: { lt: before } }) }, orderBy: { id: 'desc' }, take: limit }),
    );
    return rows.map((row) => ({
      id: String(row.id),
      conversation_id: row.conversationId,
      actor_id: row.actorId,
      action: row.action as AuditAction,
      target_user_id: row.targetUserId,
      target_seq: row.targetSeq === null ? null : Number(row.targetSeq),
      details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
      at: row.at.toISOString(),
    }));
  }
}
