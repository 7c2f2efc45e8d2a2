import { SqlDb, isUniqueViolation } from '@parley/ports';

export interface SendClaim {
  seq: number;
  /** Null for a claim found only in its compact form (send_keys): the stored message has it. */
  message_id: string | null;
  created_at: string | null;
  /** True when this call allocated the seq; false when the send was claimed before. */
  created: boolean;
}

/** One send of a batch to claim: (sender, client_msg_id) and the message id it gets if it is new. */
export interface ClaimRequest {
  sender_id: string;
  client_msg_id: string;
  message_id: string;
}

/** SQL for the 16-byte key of a send in send_keys. */
const KEY_HASH = (sender: string, clientMsgId: string) => `substring(sha256(convert_to(${sender} || chr(1) || ${clientMsgId}, 'UTF8')) for 16)`;

interface ClaimRow {
  sender_id: string;
  client_msg_id: string;
  seq: string | number;
  message_id: string | null;
  created_at: Date | string | null;
  created: boolean;
}

/** Moves claims made before $1 into send_keys, at most $2 per statement, oldest first. */
const COMPACT_SQL = `
WITH old AS (
  SELECT conversation_id, sender_id, client_msg_id FROM send_claims WHERE created_at < $1::timestamptz ORDER BY created_at LIMIT $2
), moved AS (
  DELETE FROM send_claims c USING old
   WHERE c.conversation_id = old.conversation_id AND c.sender_id = old.sender_id AND c.client_msg_id = old.client_msg_id
  RETURNING c.conversation_id, c.sender_id, c.client_msg_id, c.seq
), kept AS (
  INSERT INTO send_keys (conversation_id, key_hash, seq)
  SELECT conversation_id, ${KEY_HASH('sender_id', 'client_msg_id')}, seq FROM moved
  ON CONFLICT DO NOTHING RETURNING 1
)
SELECT count(*)::int AS n FROM moved`;

/** Attempts of the claim statement when a concurrent owner's claims of the same sends land first. */
const MAX_ATTEMPTS = 3;

export const claimKey = (senderId: string, clientMsgId: string): string => `${senderId}\u0000${clientMsgId}`;

/**
 * The claim of a batch of one conversation's sends, in ONE statement (so one round trip and one
 * implicit transaction): the sends already claimed keep their claim; the new ones, in batch order
 * (a send repeated inside the batch counts once, at its first place), get last_seq + 1 .. last_seq + n,
 * inserted into send_claims while the UPDATE of conversations.last_seq holds the row lock.
 *
 * The conversation row is the fence: the new seqs are computed by the database from the row's
 * current last_seq under its lock, never from a value cached in a process, so an owner that lost
 * its partition (a zombie) and the new owner can both claim and still never share a seq; the
 * unique (conversation_id, seq) key and the primary key on the send back that up. When another
 * owner claimed one of the same sends between this statement's snapshot and its lock, the insert
 * fails with a unique violation and the statement runs again (it then finds that claim).
 *
 * A claim past the claim window lives on in send_keys (see compact()): found there, a send is a
 * repeat with its seq only (no message id: the caller reads the stored original).
 */
const CLAIM_SQL = `
WITH input AS (
  SELECT i.sender_id, i.client_msg_id, i.message_id, i.ord
    FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS i(sender_id, client_msg_id, message_id, ord)
), firsts AS (
  SELECT DISTINCT ON (sender_id, client_msg_id) sender_id, client_msg_id, message_id, ord
    FROM input ORDER BY sender_id, client_msg_id, ord
), existing AS (
  SELECT c.sender_id, c.client_msg_id, c.seq, c.message_id, c.created_at
    FROM send_claims c JOIN firsts f ON c.conversation_id = $1 AND c.sender_id = f.sender_id AND c.client_msg_id = f.client_msg_id
  UNION ALL
  SELECT f.sender_id, f.client_msg_id, k.seq, NULL, NULL
    FROM send_keys k JOIN firsts f ON k.conversation_id = $1 AND k.key_hash = ${KEY_HASH('f.sender_id', 'f.client_msg_id')}
), fresh AS (
  SELECT f.sender_id, f.client_msg_id, f.message_id, row_number() OVER (ORDER BY f.ord) AS rn
    FROM firsts f
   WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.sender_id = f.sender_id AND e.client_msg_id = f.client_msg_id)
), moved AS (
  UPDATE conversations
     SET last_seq = last_seq + (SELECT count(*) FROM fresh),
         last_activity_at = GREATEST(last_activity_at, $5::timestamptz)
   WHERE id = $1 AND EXISTS (SELECT 1 FROM fresh)
  RETURNING last_seq - (SELECT count(*) FROM fresh) AS base
), claimed AS (
  INSERT INTO send_claims (conversation_id, sender_id, client_msg_id, seq, message_id, created_at)
  SELECT $1, f.sender_id, f.client_msg_id, m.base + f.rn, f.message_id, $5::timestamptz FROM fresh f CROSS JOIN moved m
  RETURNING sender_id, client_msg_id, seq, message_id, created_at
)
SELECT sender_id, client_msg_id, seq::text AS seq, message_id, created_at, true AS created FROM claimed
UNION ALL
SELECT sender_id, client_msg_id, seq::text AS seq, message_id, created_at, false AS created FROM existing`;

/**
 * Seq allocation and idempotency for the sequencer (see docs/adr/0003-sequencer-takeover.md). Hand-
 * written SQL through `SqlDb`, on the connections Prisma Client uses too (docs/adr/0004): the claim
 * must stay one statement under the conversation row lock, it runs for every send batch, and
 * through the client it cost about 60 µs more per send (bench/relational/messaging-statements-bench.ts).
 */
export class SendClaimsRepository {
  constructor(private readonly db: SqlDb) {}

  /**
   * Claims a batch of one conversation's sends: returns each distinct send's claim by
   * claimKey(sender, client_msg_id), the existing one (created false) or a new one (created true).
   */
  async claimBatch(conversationId: string, sends: readonly ClaimRequest[], at: string): Promise<Map<string, SendClaim>> {
    const out = new Map<string, SendClaim>();
    if (sends.length === 0) return out;
    const params = [conversationId, sends.map((s) => s.sender_id), sends.map((s) => s.client_msg_id), sends.map((s) => s.message_id), at];
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.db.query<ClaimRow>(CLAIM_SQL, params);
        for (const row of r.rows) out.set(claimKey(row.sender_id, row.client_msg_id), toClaim(row));
        break;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
    for (const s of sends) {
      if (!out.has(claimKey(s.sender_id, s.client_msg_id))) throw new Error(`conversation ${conversationId} vanished during sequencing`);
    }
    return out;
  }

  /** Whether (sender, client_msg_id) already holds a claim, full or compact: a repeated send (issue 13.4's gates let it through). */
  async isClaimed(conversationId: string, senderId: string, clientMsgId: string): Promise<boolean> {
    const r = await this.db.query(
      `SELECT 1 FROM send_claims WHERE conversation_id = $1 AND sender_id = $2 AND client_msg_id = $3
       UNION ALL
       SELECT 1 FROM send_keys WHERE conversation_id = $1 AND key_hash = substring(sha256(convert_to($2 || chr(1) || $3, 'UTF8')) for 16)
       LIMIT 1`,
      [conversationId, senderId, clientMsgId],
    );
    return r.rows.length > 0;
  }

  /**
   * Moves the claims made before `before` to their compact form, `batch` at a time; returns how
   * many moved. Safe for any claim whose message is stored: a claim is made before its message is
   * written and the ingress offset is committed only after, so a claim older than the claim window
   * (hours, against seconds of processing) is one whose message is in the store.
   */
  async compact(before: string, batch: number): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.db.query<{ n: number }>(COMPACT_SQL, [before, batch]);
      const n = Number(r.rows[0]?.n ?? 0);
      total += n;
      if (n < batch) return total;
    }
  }
}

function toClaim(r: ClaimRow): SendClaim {
  return {
    seq: Number(r.seq),
    message_id: r.message_id,
    created_at: r.created_at === null ? null : (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
    created: r.created === true || (r.created as unknown) === 't',
  };
}
