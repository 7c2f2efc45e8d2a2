import { Rank } from '@parley/domain';
import { SqlDb } from '@parley/ports';
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

interface ReportRow {
  id: string | number;
  conversation_id: string;
  target_seq: string | number;
  reporter_id: string;
  reason: string;
  created_at: Date | string;
  resolved_by: string | null;
  resolved_at: Date | string | null;
  resolution: Resolution | null;
}

const toReport = (r: ReportRow): ReportRecord => ({
  id: String(r.id),
  conversation_id: r.conversation_id,
  seq: Number(r.target_seq),
  reporter_id: r.reporter_id,
  reason: r.reason,
  created_at: iso(r.created_at),
  status: r.resolved_at === null ? 'open' : 'resolved',
  resolved_by: r.resolved_by,
  resolved_at: isoOrNull(r.resolved_at),
  resolution: r.resolution,
});

/** The moderation state of conversations (docs/adr/0017-moderation.md), in the messaging database. */
export class ModerationRepository {
  constructor(private readonly db: SqlDb) {}

  async settings(conversationId: string): Promise<ModerationSettings> {
    const r = await this.db.query<{ slow_mode_seconds: number; announcement: boolean }>(`SELECT slow_mode_seconds, announcement FROM conversations WHERE id = $1`, [conversationId]);
    const row = r.rows[0];
    return { slow_mode_seconds: Number(row?.slow_mode_seconds ?? 0), announcement: row?.announcement === true };
  }

  async setSettings(conversationId: string, s: Partial<ModerationSettings>): Promise<ModerationSettings> {
    await this.db.query(
      `UPDATE conversations SET slow_mode_seconds = COALESCE($2::integer, slow_mode_seconds), announcement = COALESCE($3::boolean, announcement) WHERE id = $1`,
      [conversationId, s.slow_mode_seconds ?? null, s.announcement ?? null],
    );
    return this.settings(conversationId);
  }

  async mutedUntil(conversationId: string, userId: string): Promise<string | null> {
    const r = await this.db.query<{ muted_until: Date | string | null }>(`SELECT muted_until FROM memberships WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId]);
    return isoOrNull(r.rows[0]?.muted_until ?? null);
  }

  async setRank(conversationId: string, userId: string, rank: Rank): Promise<void> {
    await this.db.query(`UPDATE memberships SET role = $3 WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId, rank]);
  }

  async owners(conversationId: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM memberships WHERE conversation_id = $1 AND role = 'owner'`, [conversationId]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async setMute(conversationId: string, userId: string, until: string | null): Promise<void> {
    await this.db.query(`UPDATE memberships SET muted_until = $3 WHERE conversation_id = $1 AND user_id = $2`, [conversationId, userId, until]);
  }

  async ban(conversationId: string, userId: string, by: string, reason: string | null, at: string): Promise<BanRecord> {
    const r = await this.db.query<{ user_id: string; banned_by: string; reason: string | null; banned_at: Date | string }>(
      `INSERT INTO conversation_bans (conversation_id, user_id, banned_by, reason, banned_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET reason = COALESCE(EXCLUDED.reason, conversation_bans.reason)
       RETURNING user_id, banned_by, reason, banned_at`,
      [conversationId, userId, by, reason, at],
    );
    const row = r.rows[0];
    return { user_id: row.user_id, banned_by: row.banned_by, reason: row.reason, banned_at: iso(row.banned_at) };
  }

  async unban(conversationId: string, userId: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM conversation_bans WHERE conversation_id = $1 AND user_id = $2 RETURNING user_id`, [conversationId, userId]);
    return r.rows.length > 0;
  }

  async bannedAmong(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const r = await this.db.query<{ user_id: string }>(`SELECT user_id FROM conversation_bans WHERE conversation_id = $1 AND user_id = ANY($2::text[])`, [conversationId, [...userIds]]);
    return r.rows.map((x) => x.user_id);
  }

  /** Bans ordered by user id, keyset-paged. */
  async bans(conversationId: string, limit: number, afterUserId: string | null): Promise<BanRecord[]> {
    const r = await this.db.query<{ user_id: string; banned_by: string; reason: string | null; banned_at: Date | string }>(
      `SELECT user_id, banned_by, reason, banned_at FROM conversation_bans WHERE conversation_id = $1 AND ($3::text IS NULL OR user_id > $3) ORDER BY user_id LIMIT $2`,
      [conversationId, limit, afterUserId],
    );
    return r.rows.map((row) => ({ user_id: row.user_id, banned_by: row.banned_by, reason: row.reason, banned_at: iso(row.banned_at) }));
  }

  /** Files a report; a member's second report of the same message is the first one (created: false). */
  async report(conversationId: string, seq: number, reporterId: string, reason: string, at: string): Promise<{ report: ReportRecord; created: boolean }> {
    const inserted = await this.db.query<ReportRow>(
      `INSERT INTO moderation_reports (conversation_id, target_seq, reporter_id, reason, created_at) VALUES ($1, $2::bigint, $3, $4, $5)
       ON CONFLICT (conversation_id, target_seq, reporter_id) DO NOTHING RETURNING *`,
      [conversationId, String(seq), reporterId, reason, at],
    );
    if (inserted.rows[0]) return { report: toReport(inserted.rows[0]), created: true };
    const r = await this.db.query<ReportRow>(`SELECT * FROM moderation_reports WHERE conversation_id = $1 AND target_seq = $2::bigint AND reporter_id = $3`, [conversationId, String(seq), reporterId]);
    return { report: toReport(r.rows[0]), created: false };
  }

  async findReport(conversationId: string, id: string): Promise<ReportRecord | null> {
    const r = await this.db.query<ReportRow>(`SELECT * FROM moderation_reports WHERE conversation_id = $1 AND id = $2::bigint`, [conversationId, id]);
    return r.rows[0] ? toReport(r.rows[0]) : null;
  }

  /** Reports oldest first, keyset-paged by id; `open` only, or all. */
  async reports(conversationId: string, status: 'open' | 'all', limit: number, afterId: string | null): Promise<ReportRecord[]> {
    const r = await this.db.query<ReportRow>(
      `SELECT * FROM moderation_reports WHERE conversation_id = $1 ${status === 'open' ? 'AND resolved_at IS NULL' : ''}
          AND ($3::bigint IS NULL OR id > $3::bigint) ORDER BY id LIMIT $2`,
      [conversationId, limit, afterId],
    );
    return r.rows.map(toReport);
  }

  /** Resolves an open report; null when it was already resolved. */
  async resolve(conversationId: string, id: string, by: string, resolution: Resolution, at: string): Promise<ReportRecord | null> {
    const r = await this.db.query<ReportRow>(
      `UPDATE moderation_reports SET resolved_by = $3, resolution = $4, resolved_at = $5 WHERE conversation_id = $1 AND id = $2::bigint AND resolved_at IS NULL RETURNING *`,
      [conversationId, id, by, resolution, at],
    );
    return r.rows[0] ? toReport(r.rows[0]) : null;
  }

  /** Appends to the audit log; a `dedupeKey` already there (a repeated sequencer step) writes nothing. */
  async audit(e: Omit<AuditRecord, 'id'>, dedupeKey: string | null = null): Promise<void> {
    await this.db.query(
      `INSERT INTO moderation_audit (conversation_id, actor_id, action, target_user_id, target_seq, details, at, dedupe_key)
       VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING`,
      [e.conversation_id, e.actor_id, e.action, e.target_user_id, e.target_seq === null ? null : String(e.target_seq), e.details === null ? null : JSON.stringify(e.details), e.at, dedupeKey],
    );
  }

  /** The audit log newest first, keyset-paged by id. */
  async auditPage(conversationId: string, limit: number, beforeId: string | null): Promise<AuditRecord[]> {
    const r = await this.db.query<{ id: string | number; conversation_id: string; actor_id: string; action: AuditAction; target_user_id: string | null; target_seq: string | number | null; details: string | null; at: Date | string }>(
      `SELECT id, conversation_id, actor_id, action, target_user_id, target_seq, details, at FROM moderation_audit
        WHERE conversation_id = $1 AND ($3::bigint IS NULL OR id < $3::bigint) ORDER BY id DESC LIMIT $2`,
      [conversationId, limit, beforeId],
    );
    return r.rows.map((row) => ({
      id: String(row.id),
      conversation_id: row.conversation_id,
      actor_id: row.actor_id,
      action: row.action,
      target_user_id: row.target_user_id,
      target_seq: row.target_seq === null ? null : Number(row.target_seq),
      details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
      at: iso(row.at),
    }));
  }
}
