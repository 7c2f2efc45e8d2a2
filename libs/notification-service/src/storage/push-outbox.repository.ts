import { RelationalDb } from '@parley/ports';
import { MAX_TRACES_PER_ROW } from '../delivery/push-tracing';

/** A claimed push_state row: what one dispatch sends. */
export interface DueRow {
  user_id: string;
  conversation_id: string;
  last_seq: number;
  pending: number;
  preview: string;
  sender_id: string;
  first_persisted_at: string | null;
  clear_due: boolean;
  pushed_seq: number;
  attempts: number;
  accepted_tokens: string[];
  /** The `traceparent`s of the first messages the row carries (docs/adr/0007-tracing.md). */
  traceparents: string[];
}

export interface AdmitInput {
  userIds: string[];
  conversationId: string;
  seq: number;
  messageId: string;
  senderId: string;
  preview: string;
  persistedAt: string;
  coalesceMs: number;
  /** The admission span's context: the push continues the message's trace. */
  traceparent?: string;
}

const num = (v: unknown) => Number(v ?? 0);
const isoOrNull = (v: unknown) => (v === null || v === undefined ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

/**
 * The dedupe ledger and the coalescing state (docs/adr/0006-push-notifications.md), through Prisma
 * Client (docs/adr/0004-relational-data.md). Admission, reads, leasing and push state are
 * hand-written statements run through the client (`$queryRaw` / `$executeRaw`, parameterized tagged
 * templates): each is one SQL-shaped statement for a whole batch (`unnest`, `ON CONFLICT` with
 * GREATEST, `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)`) that the model API would split into
 * several round trips or an interactive transaction, and every due and lease time of push_state is
 * computed and compared on the database's clock (`now()`), so leases hold whatever the replicas'
 * clock skew. The depth and the ledger's pruning, plain CRUD once a second, use the model API.
 */
export class PushOutboxRepository {
  constructor(private readonly db: RelationalDb) {}

  /**
   * Admits a message for its recipients once per (user, conversation, seq): a replayed event finds
   * its ledger rows and adds nothing. Returns how many recipients were admitted now.
   */
  admit(a: AdmitInput): Promise<number> {
    const traceparent = a.traceparent ?? null;
    return this.db.run(
      (c) => c.$executeRaw`WITH fresh AS (
         INSERT INTO push_outbox (user_id, conversation_id, seq, message_id)
         SELECT u, ${a.conversationId}, ${a.seq}, ${a.messageId} FROM unnest(${a.userIds}::text[]) AS u ON CONFLICT DO NOTHING RETURNING user_id)
       INSERT INTO push_state (user_id, conversation_id, last_seq, pending, preview, sender_id, first_persisted_at, due_at, traceparents)
       SELECT user_id, ${a.conversationId}, ${a.seq}, 1, ${a.preview}, ${a.senderId}, ${a.persistedAt}::timestamptz, now() + ${a.coalesceMs} * interval '1 millisecond',
              CASE WHEN ${traceparent}::text IS NULL THEN '{}'::text[] ELSE ARRAY[${traceparent}::text] END FROM fresh
       ON CONFLICT (user_id, conversation_id) DO UPDATE SET
         pending = push_state.pending + 1,
         last_seq = GREATEST(push_state.last_seq, EXCLUDED.last_seq),
         preview = CASE WHEN EXCLUDED.last_seq > push_state.last_seq THEN EXCLUDED.preview ELSE push_state.preview END,
         sender_id = CASE WHEN EXCLUDED.last_seq > push_state.last_seq THEN EXCLUDED.sender_id ELSE push_state.sender_id END,
         first_persisted_at = COALESCE(push_state.first_persisted_at, EXCLUDED.first_persisted_at),
         due_at = CASE WHEN push_state.pending = 0 THEN EXCLUDED.due_at ELSE push_state.due_at END,
         clear_due = false,
         traceparents = (push_state.traceparents || EXCLUDED.traceparents)[1:${MAX_TRACES_PER_ROW}::int]`,
    );
  }

  /**
   * The user read up to `seq`: what is pending and read is dropped, and once the marker passes
   * what was pushed a clearing push is scheduled (once per pushed seq).
   */
  async read(userId: string, conversationId: string, seq: number): Promise<void> {
    await this.db.run(
      (c) => c.$executeRaw`UPDATE push_state SET
         pending = CASE WHEN last_seq <= ${seq} THEN 0 ELSE pending END,
         first_persisted_at = CASE WHEN last_seq <= ${seq} THEN NULL ELSE first_persisted_at END,
         traceparents = CASE WHEN last_seq <= ${seq} THEN '{}' ELSE traceparents END,
         clear_due = clear_due OR (pushed_seq > cleared_seq AND pushed_seq <= ${seq}),
         cleared_seq = CASE WHEN pushed_seq > cleared_seq AND pushed_seq <= ${seq} THEN pushed_seq ELSE cleared_seq END,
         due_at = CASE
           WHEN last_seq > ${seq} AND pending > 0 THEN due_at
           WHEN clear_due OR (pushed_seq > cleared_seq AND pushed_seq <= ${seq}) THEN COALESCE(LEAST(due_at, now()), now())
           ELSE NULL END
       WHERE user_id = ${userId} AND conversation_id = ${conversationId}`,
    );
  }

  /** Leases up to `limit` due rows (several dispatchers share the table). */
  async claim(limit: number, leaseMs: number): Promise<DueRow[]> {
    const rows = await this.db.run(
      (c) => c.$queryRaw<Record<string, unknown>[]>`UPDATE push_state s SET lease_until = now() + ${leaseMs} * interval '1 millisecond'
         FROM (SELECT user_id, conversation_id FROM push_state
                WHERE due_at <= now() AND (lease_until IS NULL OR lease_until < now())
                ORDER BY due_at LIMIT ${limit}::int FOR UPDATE SKIP LOCKED) c
        WHERE s.user_id = c.user_id AND s.conversation_id = c.conversation_id
        RETURNING s.user_id, s.conversation_id, s.last_seq, s.pending, s.preview, s.sender_id, s.first_persisted_at, s.clear_due, s.pushed_seq, s.attempts, s.accepted_tokens, s.traceparents`,
    );
    return rows.map((x) => ({
      user_id: String(x.user_id),
      conversation_id: String(x.conversation_id),
      last_seq: num(x.last_seq),
      pending: num(x.pending),
      preview: String(x.preview ?? ''),
      sender_id: String(x.sender_id ?? ''),
      first_persisted_at: isoOrNull(x.first_persisted_at),
      clear_due: x.clear_due === true,
      pushed_seq: num(x.pushed_seq),
      attempts: num(x.attempts),
      accepted_tokens: Array.isArray(x.accepted_tokens) ? (x.accepted_tokens as string[]) : [],
      traceparents: Array.isArray(x.traceparents) ? (x.traceparents as string[]) : [],
    }));
  }

  /**
   * Alerts went out for `rows`: only what each carried leaves (later arrivals wait for the next
   * window); its badge supersedes any pending clear. One statement for the batch, one for the ledger.
   */
  async alertsDone(rows: DueRow[], coalesceMs: number): Promise<void> {
    if (rows.length === 0) return;
    const [users, conversations, seqs, counts] = [rows.map((r) => r.user_id), rows.map((r) => r.conversation_id), rows.map((r) => r.last_seq), rows.map((r) => r.pending)];
    await this.db.run(
      (c) => c.$executeRaw`UPDATE push_state s SET
         pushed_seq = GREATEST(s.pushed_seq, d.seq), pending = GREATEST(s.pending - d.n, 0), attempts = 0, lease_until = NULL, accepted_tokens = '{}',
         clear_due = false, due_at = CASE WHEN s.pending - d.n > 0 THEN now() + ${coalesceMs} * interval '1 millisecond' ELSE NULL END,
         first_persisted_at = CASE WHEN s.pending - d.n > 0 THEN s.first_persisted_at ELSE NULL END,
         traceparents = CASE WHEN s.pending - d.n > 0 THEN s.traceparents[d.n + 1:] ELSE '{}' END
       FROM unnest(${users}::text[], ${conversations}::text[], ${seqs}::bigint[], ${counts}::int[]) AS d(u, c, seq, n)
       WHERE s.user_id = d.u AND s.conversation_id = d.c`,
    );
    await this.db.run(
      (c) => c.$executeRaw`UPDATE push_outbox o SET sent_at = now() FROM unnest(${users}::text[], ${conversations}::text[], ${seqs}::bigint[]) AS d(u, c, seq)
        WHERE o.user_id = d.u AND o.conversation_id = d.c AND o.seq <= d.seq AND o.sent_at IS NULL`,
    );
  }

  /** Clearing pushes went out (or had nowhere to go). */
  async clearsDone(rows: DueRow[]): Promise<void> {
    if (rows.length === 0) return;
    const [users, conversations] = [rows.map((r) => r.user_id), rows.map((r) => r.conversation_id)];
    await this.db.run(
      (c) => c.$executeRaw`UPDATE push_state s SET clear_due = false, attempts = 0, lease_until = NULL, accepted_tokens = '{}',
         due_at = CASE WHEN s.pending > 0 THEN s.due_at ELSE NULL END
       FROM unnest(${users}::text[], ${conversations}::text[]) AS d(u, c)
       WHERE s.user_id = d.u AND s.conversation_id = d.c`,
    );
  }

  /** Try again after `delayMs`, skipping the devices that already accepted. */
  async retryLater(row: DueRow, delayMs: number, acceptedTokens: string[]): Promise<void> {
    const delay = Math.max(0, Math.round(delayMs));
    await this.db.run(
      (c) => c.$executeRaw`UPDATE push_state SET attempts = attempts + 1, lease_until = NULL, accepted_tokens = ${acceptedTokens}::text[],
         due_at = now() + ${delay} * interval '1 millisecond'
       WHERE user_id = ${row.user_id} AND conversation_id = ${row.conversation_id}`,
    );
  }

  /** Rows with something to send (the outbox depth). */
  depth(): Promise<number> {
    return this.db.run((c) => c.pushState.count({ where: { dueAt: { not: null } } }));
  }

  /** Forgets ledger rows older than `maxAgeMs`: replays come within minutes, not hours. */
  async prune(maxAgeMs: number): Promise<number> {
    const before = new Date(Date.now() - maxAgeMs);
    return (await this.db.run((c) => c.pushOutbox.deleteMany({ where: { createdAt: { lt: before } } }))).count;
  }
}
