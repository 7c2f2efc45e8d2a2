import { EntryKind, ReactionCount } from '@parley/domain';
import { RelationalDb } from '@parley/ports';

export interface Revision {
  /** The seq of the edit entry that replaced this text. */
  entry_seq: number;
  text: string;
  replaced_at: string;
}

/**
 * The relational side of message lifecycle (docs/adr/0010-message-lifecycle.md), written by the
 * sequencer only (one owner per conversation), read by the query side. Every write is idempotent
 * (skip duplicates, or a delete), so a batch repeated after a crash writes the same rows. On
 * Prisma Client's model API (docs/adr/0004-relational-data.md) except the claim lookup (it hashes
 * into send_keys), the reaction counts (a grouped aggregate with an ordered array_agg) and the
 * replies of a stored batch (on the send path).
 */
export class LifecycleRepository {
  constructor(private readonly db: RelationalDb) {}

  /** The claim a send already holds, if any (send_claims, or its compact form in send_keys). */
  async claimOf(conversationId: string, senderId: string, clientMsgId: string): Promise<{ seq: number; message_id: string | null; created_at: string | null } | null> {
    const rows = await this.db.run((c) => c.$queryRaw<Array<{ seq: string; message_id: string | null; created_at: Date | string | null }>>`
      SELECT seq::text AS seq, message_id, created_at FROM send_claims WHERE conversation_id = ${conversationId} AND sender_id = ${senderId} AND client_msg_id = ${clientMsgId}
      UNION ALL
      SELECT seq::text AS seq, NULL, NULL FROM send_keys
       WHERE conversation_id = ${conversationId} AND key_hash = substring(sha256(convert_to(${senderId}::text || chr(1) || ${clientMsgId}::text, 'UTF8')) for 16)
      LIMIT 1`);
    const row = rows[0];
    if (!row) return null;
    return { seq: Number(row.seq), message_id: row.message_id, created_at: row.created_at === null ? null : new Date(row.created_at).toISOString() };
  }

  async recordEntry(conversationId: string, seq: number, kind: EntryKind, targetSeq: number): Promise<void> {
    await this.db.run((c) => c.lifecycleEntry.createMany({ data: [{ conversationId, seq: BigInt(seq), kind, targetSeq: BigInt(targetSeq) }], skipDuplicates: true }));
  }

  /** Entries (not messages) of the conversation above `afterSeq`: subtracted from unread counts. */
  async entriesAfter(conversationId: string, afterSeq: number): Promise<number> {
    return this.db.run((c) => c.lifecycleEntry.count({ where: { conversationId, seq: { gt: BigInt(afterSeq) } } }));
  }

  async keepRevision(conversationId: string, targetSeq: number, entrySeq: number, text: string, at: string): Promise<void> {
    await this.db.run((c) =>
      c.messageRevision.createMany({ data: [{ conversationId, targetSeq: BigInt(targetSeq), entrySeq: BigInt(entrySeq), text, replacedAt: new Date(at) }], skipDuplicates: true }),
    );
  }

  async revisions(conversationId: string, targetSeq: number): Promise<Revision[]> {
    const rows = await this.db.run((c) => c.messageRevision.findMany({ where: { conversationId, targetSeq: BigInt(targetSeq) }, orderBy: { entrySeq: 'asc' }, select: { entrySeq: true, text: true, replacedAt: true } }));
    return rows.map((x) => ({ entry_seq: Number(x.entrySeq), text: x.text, replaced_at: x.replacedAt.toISOString() }));
  }

  /** A deleted message leaves no text behind: its originals and reactions go; returns its edit entries' seqs (their bodies are cleared too). */
  async forget(conversationId: string, targetSeq: number): Promise<number[]> {
    const target = { conversationId, targetSeq: BigInt(targetSeq) };
    const edits = await this.db.run((c) => c.lifecycleEntry.findMany({ where: { ...target, kind: 'edit' }, select: { seq: true } }));
    await this.db.run((c) => c.messageRevision.deleteMany({ where: target }));
    await this.db.run((c) => c.messageReaction.deleteMany({ where: target }));
    return edits.map((x) => Number(x.seq));
  }

  async hasReaction(conversationId: string, targetSeq: number, emoji: string, userId: string): Promise<boolean> {
    const row = await this.db.run((c) => c.messageReaction.findFirst({ where: { conversationId, targetSeq: BigInt(targetSeq), emoji, userId }, select: { userId: true } }));
    return row !== null;
  }

  async react(conversationId: string, targetSeq: number, emoji: string, userId: string, action: 'add' | 'remove', at: string): Promise<void> {
    const key = { conversationId, targetSeq: BigInt(targetSeq), emoji, userId };
    if (action === 'add') {
      await this.db.run((c) => c.messageReaction.createMany({ data: [{ ...key, reactedAt: new Date(at) }], skipDuplicates: true }));
    } else {
      await this.db.run((c) => c.messageReaction.deleteMany({ where: key }));
    }
  }

  /** A message's reaction counts, most used first; reactor ids only when `withUsers` (below the large-group threshold). */
  async counts(conversationId: string, targetSeq: number, withUsers: boolean): Promise<ReactionCount[]> {
    const rows = await this.db.run((c) =>
      withUsers
        ? c.$queryRaw<Array<{ emoji: string; n: bigint | number; users: string[] | null }>>`
            SELECT emoji, count(*) AS n, array_agg(user_id ORDER BY reacted_at, user_id) AS users, min(reacted_at) AS first
              FROM message_reactions WHERE conversation_id = ${conversationId} AND target_seq = ${targetSeq}::bigint GROUP BY emoji ORDER BY count(*) DESC, first, emoji`
        : c.$queryRaw<Array<{ emoji: string; n: bigint | number; users: string[] | null }>>`
            SELECT emoji, count(*) AS n, NULL::text[] AS users, min(reacted_at) AS first
              FROM message_reactions WHERE conversation_id = ${conversationId} AND target_seq = ${targetSeq}::bigint GROUP BY emoji ORDER BY count(*) DESC, first, emoji`,
    );
    return rows.map((x) => (withUsers && x.users ? { emoji: x.emoji, count: Number(x.n), user_ids: x.users } : { emoji: x.emoji, count: Number(x.n) }));
  }

  /** The replies of a stored batch of messages: on the send path, so one hand-written statement (`unnest`). */
  async recordReplies(conversationId: string, replies: ReadonlyArray<{ seq: number; reply_to: number }>): Promise<void> {
    if (replies.length === 0) return;
    await this.db.run((c) => c.$executeRaw`
      INSERT INTO message_replies (conversation_id, reply_to, seq)
      SELECT ${conversationId}::text, r.reply_to::bigint, r.seq::bigint FROM unnest(${replies.map((r) => String(r.reply_to))}::text[], ${replies.map((r) => String(r.seq))}::text[]) AS r(reply_to, seq)
      ON CONFLICT DO NOTHING`);
  }

  /** Seqs of the replies to `replyTo` above `afterSeq`, ascending, at most `limit`. */
  async replySeqs(conversationId: string, replyTo: number, afterSeq: number, limit: number): Promise<number[]> {
    const rows = await this.db.run((c) => c.messageReply.findMany({ where: { conversationId, replyTo: BigInt(replyTo), seq: { gt: BigInt(afterSeq) } }, orderBy: { seq: 'asc' }, take: limit, select: { seq: true } }));
    return rows.map((x) => Number(x.seq));
  }
}
