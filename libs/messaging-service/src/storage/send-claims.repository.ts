import { SqlDb } from '@parley/ports';

export interface SendClaim {
  seq: number;
  message_id: string;
  created_at: string;
  /** True when this call allocated the seq; false when the send was claimed before. */
  created: boolean;
}

interface ClaimRow {
  seq: string | number;
  message_id: string;
  created_at: Date | string;
}

const toClaim = (r: ClaimRow, created: boolean): SendClaim => ({
  seq: Number(r.seq),
  message_id: r.message_id,
  created_at: (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
  created,
});

/** Seq allocation and idempotency in one short transaction on the conversation's row. */
export class SendClaimsRepository {
  constructor(private readonly db: SqlDb) {}

  /**
   * Returns the existing claim of (conversation, sender, client_msg_id), or allocates the next seq:
   * locks the conversation row, takes last_seq + 1, records the claim and moves last_seq, atomically.
   */
  async claim(conversationId: string, senderId: string, clientMsgId: string, messageId: string, at: string): Promise<SendClaim> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.query<ClaimRow>(
        `SELECT seq, message_id, created_at FROM send_claims WHERE conversation_id = $1 AND sender_id = $2 AND client_msg_id = $3`,
        [conversationId, senderId, clientMsgId],
      );
      if (existing.rows[0]) return toClaim(existing.rows[0], false);
      const locked = await tx.query<{ last_seq: string | number }>(`SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE`, [conversationId]);
      if (!locked.rows[0]) throw new Error(`conversation ${conversationId} vanished during sequencing`);
      // Re-check under the lock: a concurrent owner may have claimed this send meanwhile.
      const raced = await tx.query<ClaimRow>(
        `SELECT seq, message_id, created_at FROM send_claims WHERE conversation_id = $1 AND sender_id = $2 AND client_msg_id = $3`,
        [conversationId, senderId, clientMsgId],
      );
      if (raced.rows[0]) return toClaim(raced.rows[0], false);
      const seq = Number(locked.rows[0].last_seq) + 1;
      await tx.query(
        `INSERT INTO send_claims (conversation_id, sender_id, client_msg_id, seq, message_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [conversationId, senderId, clientMsgId, seq, messageId, at],
      );
      await tx.query(`UPDATE conversations SET last_seq = $2, last_activity_at = GREATEST(last_activity_at, $3::timestamptz) WHERE id = $1`, [conversationId, seq, at]);
      return { seq, message_id: messageId, created_at: at, created: true };
    });
  }
}
