import { EntryKind, ReactionCount } from '@parley/domain';
import { SqlDb } from '@parley/ports';

/** The claim a send already holds, if any (send_claims, or its compact form in send_keys). */
const CLAIM_LOOKUP = `
SELECT seq::text AS seq, message_id, created_at FROM send_claims WHERE conversation_id = $1 AND sender_id = $2 AND client_msg_id = $3
UNION ALL
SELECT seq::text AS seq, NULL, NULL FROM send_keys
 WHERE conversation_id = $1 AND key_hash = substring(sha256(convert_to($2 || chr(1) || $3, 'UTF8')) for 16)
LIMIT 1`;

export interface Revision {
  /** The seq of the edit entry that replaced this text. */
  entry_seq: number;
  text: string;
  replaced_at: string;
}

/**
 * The relational side of message lifecycle (docs/adr/0010-message-lifecycle.md), written by the
 * sequencer only (one owner per conversation), read by the query side. Every write is idempotent
 * (ON CONFLICT DO NOTHING, or a delete), so a batch repeated after a crash writes the same rows.
 */
export class LifecycleRepository {
  constructor(private readonly db: SqlDb) {}

  async claimOf(conversationId: string, senderId: string, clientMsgId: string): Promise<{ seq: number; message_id: string | null; created_at: string | null } | null> {
    const r = await this.db.query<{ seq: string; message_id: string | null; created_at: Date | string | null }>(CLAIM_LOOKUP, [conversationId, senderId, clientMsgId]);
    const row = r.rows[0];
    if (!row) return null;
    return { seq: Number(row.seq), message_id: row.message_id, created_at: row.created_at === null ? null : new Date(row.created_at).toISOString() };
  }

  async recordEntry(conversationId: string, seq: number, kind: EntryKind, targetSeq: number): Promise<void> {
    await this.db.query(
      `INSERT INTO lifecycle_entries (conversation_id, seq, kind, target_seq) VALUES ($1, $2::bigint, $3, $4::bigint) ON CONFLICT DO NOTHING`,
      [conversationId, String(seq), kind, String(targetSeq)],
    );
  }

  /** Entries (not messages) of the conversation above `afterSeq`: subtracted from unread counts. */
  async entriesAfter(conversationId: string, afterSeq: number): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM lifecycle_entries WHERE conversation_id = $1 AND seq > $2::bigint`, [conversationId, String(afterSeq)]);
    return Number(r.rows[0]?.n ?? 0);
  }

  async keepRevision(conversationId: string, targetSeq: number, entrySeq: number, text: string, at: string): Promise<void> {
    await this.db.query(
      `INSERT INTO message_revisions (conversation_id, target_seq, entry_seq, text, replaced_at) VALUES ($1, $2::bigint, $3::bigint, $4, $5::timestamptz) ON CONFLICT DO NOTHING`,
      [conversationId, String(targetSeq), String(entrySeq), text, at],
    );
  }

  async revisions(conversationId: string, targetSeq: number): Promise<Revision[]> {
    const r = await this.db.query<{ entry_seq: string; text: string; replaced_at: Date | string }>(
      `SELECT entry_seq::text AS entry_seq, text, replaced_at FROM message_revisions WHERE conversation_id = $1 AND target_seq = $2::bigint ORDER BY entry_seq`,
      [conversationId, String(targetSeq)],
    );
    return r.rows.map((x) => ({ entry_seq: Number(x.entry_seq), text: x.text, replaced_at: new Date(x.replaced_at).toISOString() }));
  }

  /** A deleted message leaves no text behind: its originals and reactions go; returns its edit entries' seqs (their bodies are cleared too). */
  async forget(conversationId: string, targetSeq: number): Promise<number[]> {
    const params = [conversationId, String(targetSeq)];
    const edits = await this.db.query<{ seq: string }>(`SELECT seq::text AS seq FROM lifecycle_entries WHERE conversation_id = $1 AND target_seq = $2::bigint AND kind = 'edit'`, params);
    await this.db.query(`DELETE FROM message_revisions WHERE conversation_id = $1 AND target_seq = $2::bigint`, params);
    await this.db.query(`DELETE FROM message_reactions WHERE conversation_id = $1 AND target_seq = $2::bigint`, params);
    return edits.rows.map((x) => Number(x.seq));
  }

  async hasReaction(conversationId: string, targetSeq: number, emoji: string, userId: string): Promise<boolean> {
    const r = await this.db.query(`SELECT 1 FROM message_reactions WHERE conversation_id = $1 AND target_seq = $2::bigint AND emoji = $3 AND user_id = $4`, [conversationId, String(targetSeq), emoji, userId]);
    return r.rows.length > 0;
  }

  async react(conversationId: string, targetSeq: number, emoji: string, userId: string, action: 'add' | 'remove', at: string): Promise<void> {
    if (action === 'add') {
      await this.db.query(
        `INSERT INTO message_reactions (conversation_id, target_seq, emoji, user_id, reacted_at) VALUES ($1, $2::bigint, $3, $4, $5::timestamptz) ON CONFLICT DO NOTHING`,
        [conversationId, String(targetSeq), emoji, userId, at],
      );
    } else {
      await this.db.query(`DELETE FROM message_reactions WHERE conversation_id = $1 AND target_seq = $2::bigint AND emoji = $3 AND user_id = $4`, [conversationId, String(targetSeq), emoji, userId]);
    }
  }

  /** A message's reaction counts, most used first; reactor ids only when `withUsers` (below the large-group threshold). */
  async counts(conversationId: string, targetSeq: number, withUsers: boolean): Promise<ReactionCount[]> {
    const r = await this.db.query<{ emoji: string; n: string | number; users: string[] | null }>(
      `SELECT emoji, count(*) AS n, ${withUsers ? 'array_agg(user_id ORDER BY reacted_at, user_id)' : 'NULL'} AS users, min(reacted_at) AS first
         FROM message_reactions WHERE conversation_id = $1 AND target_seq = $2::bigint GROUP BY emoji ORDER BY count(*) DESC, first, emoji`,
      [conversationId, String(targetSeq)],
    );
    return r.rows.map((x) => (withUsers && x.users ? { emoji: x.emoji, count: Number(x.n), user_ids: x.users } : { emoji: x.emoji, count: Number(x.n) }));
  }

  async recordReplies(conversationId: string, replies: ReadonlyArray<{ seq: number; reply_to: number }>): Promise<void> {
    if (replies.length === 0) return;
    await this.db.query(
      `INSERT INTO message_replies (conversation_id, reply_to, seq) SELECT $1, r.reply_to::bigint, r.seq::bigint FROM unnest($2::text[], $3::text[]) AS r(reply_to, seq) ON CONFLICT DO NOTHING`,
      [conversationId, replies.map((r) => String(r.reply_to)), replies.map((r) => String(r.seq))],
    );
  }

  /** Seqs of the replies to `replyTo` above `afterSeq`, ascending, at most `limit`. */
  async replySeqs(conversationId: string, replyTo: number, afterSeq: number, limit: number): Promise<number[]> {
    const r = await this.db.query<{ seq: string }>(
      `SELECT seq::text AS seq FROM message_replies WHERE conversation_id = $1 AND reply_to = $2::bigint AND seq > $3::bigint ORDER BY seq LIMIT $4`,
      [conversationId, String(replyTo), String(afterSeq), limit],
    );
    return r.rows.map((x) => Number(x.seq));
  }
}
