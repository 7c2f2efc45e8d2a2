import { Conversation, ConversationType, isParticipantId, Membership, Rank, SendGate } from '@parley/domain';
import { EMPTY_SQL, RelationalDb, RelationalTx, SocketSetup, SqlDb, sqlFragment } from '@parley/ports';
import { memberIs, memberWhere, ParticipantsRepository } from '../anonymous/participants.repository';

/** A conversations row as a hand-written statement answers it (`SELECT c.*`). */
interface ConversationRow {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: Date | string;
  member_count: number;
  last_seq: bigint | string | number;
  last_activity_at: Date | string;
  anonymous?: string;
}

/** The same row through the model API. */
interface ConversationModel {
  id: string;
  type: string;
  title: string | null;
  createdAt: Date;
  memberCount: number;
  lastSeq: bigint;
  lastActivityAt: Date;
  anonymous: string;
}

interface MembershipRow {
  conversation_id: string;
  user_id: string;
  role: Rank;
  joined_at: Date | string;
  last_read_seq: bigint | string | number;
  participant_id?: string | null;
  display_name?: string | null;
}

interface MembershipModel {
  conversationId: string;
  userId: string;
  role: string;
  joinedAt: Date;
  lastReadSeq: bigint;
  participantId: string | null;
}

/** The caller's membership beside a conversation row (getForMember, listForUser). */
interface MemberColumns {
  m_participant_id: string | null;
  m_role: Rank;
  m_joined_at: Date | string;
  m_last_read_seq: bigint | string | number;
  m_entries_unread: bigint | string | number;
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  type: r.type,
  title: r.title,
  created_at: iso(r.created_at),
  member_count: Number(r.member_count),
  last_seq: Number(r.last_seq),
  last_activity_at: iso(r.last_activity_at),
  anonymous: r.anonymous === 'allowed' ? 'allowed' : 'off',
});

const fromModel = (c: ConversationModel): Conversation => ({
  id: c.id,
  type: c.type as ConversationType,
  title: c.title,
  created_at: c.createdAt.toISOString(),
  member_count: c.memberCount,
  last_seq: Number(c.lastSeq),
  last_activity_at: c.lastActivityAt.toISOString(),
  anonymous: c.anonymous === 'allowed' ? 'allowed' : 'off',
});

const toMembership = (r: MembershipRow): Membership => ({
  conversation_id: r.conversation_id,
  user_id: r.user_id,
  role: r.role,
  joined_at: iso(r.joined_at),
  last_read_seq: Number(r.last_read_seq),
  participant_id: r.participant_id ?? null,
  ...(r.display_name ? { display_name: r.display_name } : {}),
});

const membershipFromModel = (m: MembershipModel): Membership => ({
  conversation_id: m.conversationId,
  user_id: m.userId,
  role: m.role as Rank,
  joined_at: m.joinedAt.toISOString(),
  last_read_seq: Number(m.lastReadSeq),
  participant_id: m.participantId,
});

const me = (conversationId: string, userId: string, row: MemberColumns): Membership => ({
  conversation_id: conversationId,
  user_id: userId,
  role: row.m_role,
  joined_at: iso(row.m_joined_at),
  last_read_seq: Number(row.m_last_read_seq),
  participant_id: row.m_participant_id,
});

export interface ConversationWithMe {
  conversation: Conversation;
  me: Membership;
  /** Lifecycle entries (edits, deletes, reactions) above the caller's read marker: not unread messages (docs/adr/0010). */
  entriesUnread?: number;
}

/** Entries of the seq stream above the member's marker (m, c in scope): one index range of lifecycle_entries. */
const ENTRIES_UNREAD = sqlFragment`(SELECT count(*) FROM lifecycle_entries e WHERE e.conversation_id = c.id AND e.seq > m.last_read_seq) AS m_entries_unread`;

/**
 * Conversations, memberships and read markers on Prisma Client (docs/adr/0004-relational-data.md):
 * the model API for plain reads and writes, hand-written statements through the same client
 * (`$queryRaw`, parameterized) where the query is SQL-shaped. The three statements that run per
 * send batch or per batch of new sockets (`sendGates`, `senderAliases`, `socketSetups`) go
 * through `SqlDb` on the same connections: through the client each cost about 60 µs more
 * (bench/relational/messaging-statements-bench.ts), which the send path and connection setup feel.
 */
export class ConversationRepository {
  private readonly db: RelationalDb;

  constructor(private readonly sql: SqlDb) {
    this.db = sql.relational();
  }

  /**
   * Inserts a conversation with its members in one transaction. For a direct conversation the
   * unique `direct_key` makes a concurrent duplicate fail with a unique violation (isUniqueViolation);
   * the caller then reads the winner.
   */
  async create(c: Conversation, directKey: string | null, members: Array<{ userId: string; role: Rank }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const at = new Date(c.created_at);
      await tx.conversation.create({
        data: { id: c.id, type: c.type, title: c.title, directKey, createdAt: at, memberCount: members.length, lastSeq: 0, lastActivityAt: at, anonymous: c.anonymous ?? 'off' },
      });
      await insertMembers(tx, c.id, members, c.created_at);
    });
  }

  async findDirect(directKey: string): Promise<Conversation | null> {
    const row = await this.db.run((c) => c.conversation.findUnique({ where: { directKey } }));
    return row ? fromModel(row) : null;
  }

  async get(id: string): Promise<Conversation | null> {
    const row = await this.db.run((c) => c.conversation.findUnique({ where: { id } }));
    return row ? fromModel(row) : null;
  }

  /** The membership of a user, or of a participant when `userId` is a participant id. */
  async membership(conversationId: string, userId: string): Promise<Membership | null> {
    const row = await this.db.run((c) => c.membership.findFirst({ where: memberWhere(conversationId, userId) }));
    return row ? membershipFromModel(row) : null;
  }

  /**
   * Issue 13.4: what the senders' messages are checked against (rank, mute, the conversation's
   * slow mode and announcement flag), in the same one read per batch that checks membership.
   * Per send batch: one statement.
   */
  async sendGates(conversationId: string, userIds: readonly string[]): Promise<Map<string, SendGate>> {
    if (userIds.length === 0) return new Map();
    // Senders are user ids, or participant ids in an anonymous group (the sequencer maps them first).
    const users = userIds.filter((id) => !isParticipantId(id));
    const participants = userIds.filter(isParticipantId);
    const { rows } = await this.sql.query<{ user_id: string; role: Rank; muted_until: Date | string | null; slow_mode_seconds: number; announcement: boolean }>(
      `SELECT COALESCE(m.participant_id, m.user_id) AS user_id, m.role, m.muted_until, c.slow_mode_seconds, c.announcement
         FROM memberships m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.conversation_id = $1 AND ((m.user_id = ANY($2::text[]) AND m.participant_id IS NULL) OR m.participant_id = ANY($3::text[]))`,
      [conversationId, users, participants],
    );
    return new Map(rows.map((x) => [x.user_id, {
      rank: x.role,
      muted_until: x.muted_until === null ? null : iso(x.muted_until),
      slow_mode_seconds: Number(x.slow_mode_seconds),
      announcement: x.announcement === true,
    }]));
  }

  /** The conversation and the caller's membership in one read; null for non-members. */
  async getForMember(conversationId: string, userId: string): Promise<ConversationWithMe | null> {
    const rows = await this.db.run((c) => c.$queryRaw<Array<ConversationRow & MemberColumns & { m_user_id: string }>>`
      SELECT c.*, m.user_id AS m_user_id, m.participant_id AS m_participant_id, m.role AS m_role, m.joined_at AS m_joined_at, m.last_read_seq AS m_last_read_seq, ${ENTRIES_UNREAD}
        FROM conversations c JOIN memberships m ON m.conversation_id = c.id
       WHERE c.id = ${conversationId} AND ${memberIs(userId)}`);
    const row = rows[0];
    if (!row) return null;
    return { conversation: toConversation(row), me: me(conversationId, row.m_user_id, row), entriesUnread: Number(row.m_entries_unread) };
  }

  /** The user's conversations, most recently active first, keyset-paged by (last_activity_at, id). */
  async listForUser(userId: string, limit: number, after: { at: string; id: string } | null): Promise<ConversationWithMe[]> {
    const where = after ? sqlFragment`AND (c.last_activity_at, c.id) < (${after.at}::timestamptz, ${after.id}::text)` : EMPTY_SQL;
    const rows = await this.db.run((c) => c.$queryRaw<Array<ConversationRow & MemberColumns>>`
      SELECT c.*, m.participant_id AS m_participant_id, m.role AS m_role, m.joined_at AS m_joined_at, m.last_read_seq AS m_last_read_seq, ${ENTRIES_UNREAD}
        FROM memberships m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.user_id = ${userId} ${where}
       ORDER BY c.last_activity_at DESC, c.id DESC
       LIMIT ${limit}::int`);
    return rows.map((row) => ({ conversation: toConversation(row), me: me(row.id, userId, row), entriesUnread: Number(row.m_entries_unread) }));
  }

  async conversationIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db.run((c) => c.membership.findMany({ where: { userId }, select: { conversationId: true } }));
    return rows.map((x) => x.conversationId);
  }

  /**
   * Each user's conversations and direct partners, in one statement for the whole batch (connection
   * setup). The partner is looked up for direct conversations only: as a join condition,
   * `c.type = 'direct'` is checked after the members are read, so every member of every group was
   * read too (a 100,000-member group: 100,000 rows per connecting member).
   */
  async socketSetups(userIds: readonly string[]): Promise<SocketSetup[]> {
    const { rows } = await this.sql.query<{ user_id: string; conversation_id: string; partner: string | null }>(
      `SELECT m.user_id, m.conversation_id,
              CASE WHEN c.type = 'direct' THEN
                (SELECT other.user_id FROM memberships other WHERE other.conversation_id = m.conversation_id AND other.user_id <> m.user_id LIMIT 1)
              END AS partner
         FROM memberships m
         JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = ANY($1::text[])`,
      [[...new Set(userIds)]],
    );
    const byUser = new Map<string, SocketSetup>();
    for (const id of userIds) if (!byUser.has(id)) byUser.set(id, { user_id: id, conversation_ids: [], direct_partners: [] });
    for (const row of rows) {
      const setup = byUser.get(row.user_id);
      if (!setup) continue;
      setup.conversation_ids.push(row.conversation_id);
      if (row.partner !== null) setup.direct_partners.push(row.partner);
    }
    return userIds.map((id) => byUser.get(id) as SocketSetup);
  }

  async directPartners(userId: string): Promise<string[]> {
    const rows = await this.db.run((c) => c.$queryRaw<Array<{ user_id: string }>>`
      SELECT other.user_id FROM memberships mine
        JOIN conversations c ON c.id = mine.conversation_id AND c.type = 'direct'
        JOIN memberships other ON other.conversation_id = c.id AND other.user_id <> mine.user_id
       WHERE mine.user_id = ${userId}`);
    return rows.map((x) => x.user_id);
  }

  /** One indexed probe per conversation of `userId`, stopping at the first they share. */
  async sharesConversation(userId: string, otherUserId: string): Promise<boolean> {
    // An anonymous membership never counts (docs/adr/0016): nobody learns when a pseudonym's owner is online.
    const rows = await this.db.run((c) => c.$queryRaw<unknown[]>`
      SELECT 1 FROM memberships mine
        JOIN memberships other ON other.conversation_id = mine.conversation_id AND other.user_id = ${otherUserId} AND other.participant_id IS NULL
       WHERE mine.user_id = ${userId} AND mine.participant_id IS NULL LIMIT 1`);
    return rows.length > 0;
  }

  /** Members ordered by (joined_at, participant id or user id), keyset-paged; a pseudonym's name joined in. */
  async members(conversationId: string, limit: number, after: { at: string; id: string } | null): Promise<Membership[]> {
    const where = after ? sqlFragment`AND (m.joined_at, COALESCE(m.participant_id, m.user_id)) > (${after.at}::timestamptz, ${after.id}::text)` : EMPTY_SQL;
    const rows = await this.db.run((c) => c.$queryRaw<MembershipRow[]>`
      SELECT m.conversation_id, m.user_id, m.role, m.joined_at, m.last_read_seq, m.participant_id, p.display_name
        FROM memberships m LEFT JOIN participants p ON p.participant_id = m.participant_id
       WHERE m.conversation_id = ${conversationId} ${where} ORDER BY m.joined_at, COALESCE(m.participant_id, m.user_id) LIMIT ${limit}::int`);
    return rows.map(toMembership);
  }

  /**
   * Adds members that are not members yet; returns the ids actually added. `anonymous` (a group
   * that allows it, docs/adr/0016): each joins under a pseudonym, the same one again within the
   * rejoin window of leaving it.
   */
  async addMembers(conversationId: string, userIds: readonly string[], at: string, anonymous: { windowSeconds: number } | null = null): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      let pids: Map<string, string> | undefined;
      if (anonymous) {
        const present = await tx.membership.findMany({ where: { conversationId, userId: { in: [...userIds] } }, select: { userId: true } });
        const have = new Set(present.map((x) => x.userId));
        pids = await ParticipantsRepository.draw(tx, conversationId, userIds.filter((id) => !have.has(id)), at, anonymous.windowSeconds);
      }
      const added = await insertMembers(tx, conversationId, userIds.map((userId) => ({ userId, role: 'member' as const, participantId: pids?.get(userId) ?? null })), at);
      if (added.length > 0) await tx.conversation.updateMany({ where: { id: conversationId }, data: { memberCount: { increment: added.length } } });
      return added;
    });
  }

  /**
   * Removes a member. A group always keeps an owner (and so an admin, in the contract's `role`):
   * when its last owner goes, the longest-standing member of the highest remaining rank becomes
   * owner in the same transaction (the conversation row is locked first, so two owners leaving at
   * once cannot both see the other as the one who stays). Answers whether the member was there,
   * and whom it promoted.
   */
  async removeMember(conversationId: string, userId: string): Promise<{ removed: boolean; promoted: string | null }> {
    return this.db.transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM conversations WHERE id = ${conversationId} FOR UPDATE`;
      const gone = await tx.$queryRaw<Array<{ role: Rank; participant_id: string | null }>>`
        DELETE FROM memberships WHERE conversation_id = ${conversationId} AND user_id = ${userId} RETURNING role, participant_id`;
      if (gone.length === 0) return { removed: false, promoted: null };
      if (gone[0].participant_id) await ParticipantsRepository.left(tx, gone[0].participant_id, new Date().toISOString());
      await tx.conversation.updateMany({ where: { id: conversationId }, data: { memberCount: { decrement: 1 } } });
      if (gone[0].role !== 'owner' && gone[0].role !== 'admin') return { removed: true, promoted: null };
      const p = await tx.$queryRaw<Array<{ user_id: string }>>`
        UPDATE memberships SET role = 'owner'
         WHERE conversation_id = ${conversationId}
           AND NOT EXISTS (SELECT 1 FROM memberships WHERE conversation_id = ${conversationId} AND role = 'owner')
           AND user_id = (SELECT user_id FROM memberships WHERE conversation_id = ${conversationId}
                           ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, joined_at, user_id LIMIT 1)
         RETURNING user_id`;
      return { removed: true, promoted: p[0]?.user_id ?? null };
    });
  }

  /** Moves the marker forward only (GREATEST, one statement); returns the stored marker. */
  async advanceReadMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    const rows = await this.db.run((c) => c.$queryRaw<Array<{ last_read_seq: bigint | string | number }>>`
      UPDATE memberships SET last_read_seq = GREATEST(last_read_seq, ${seq}::bigint)
       WHERE conversation_id = ${conversationId} AND user_id = ${userId} RETURNING last_read_seq`);
    return rows[0] ? Number(rows[0].last_read_seq) : 0;
  }

  /** Members whose read marker is at or past seq: one range count over memberships_by_read_marker. */
  async readersAtOrPast(conversationId: string, seq: number): Promise<number> {
    return this.db.run((c) => c.membership.count({ where: { conversationId, lastReadSeq: { gte: seq } } }));
  }

  async memberCount(conversationId: string): Promise<number> {
    const row = await this.db.run((c) => c.conversation.findUnique({ where: { id: conversationId }, select: { memberCount: true } }));
    return row?.memberCount ?? 0;
  }

  async memberIds(conversationId: string, limit: number): Promise<string[]> {
    const rows = await this.db.run((c) => c.membership.findMany({ where: { conversationId }, select: { userId: true }, take: limit }));
    return rows.map((x) => x.userId);
  }

  /** The user's unread total over all conversations (one pass over their memberships) and the conversation's title. */
  async pushContext(userId: string, conversationId: string): Promise<{ unread_total: number; title: string | null }> {
    const rows = await this.db.run((c) => c.$queryRaw<Array<{ unread_total: bigint | string | number | null; title: string | null }>>`
      SELECT (SELECT COALESCE(sum(GREATEST(c.last_seq - m.last_read_seq
                  - (SELECT count(*) FROM lifecycle_entries e WHERE e.conversation_id = c.id AND e.seq > m.last_read_seq), 0)), 0)
                FROM memberships m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = ${userId}) AS unread_total,
             (SELECT title FROM conversations WHERE id = ${conversationId}) AS title`);
    const row = rows[0];
    return { unread_total: row ? Number(row.unread_total ?? 0) : 0, title: row?.title ?? null };
  }

  /**
   * Issue 14: the participant id each of `userIds` sends under in an anonymous group (only the
   * anonymous members are in the map), or null when the conversation is not anonymous. Per send batch.
   */
  async senderAliases(conversationId: string, userIds: readonly string[]): Promise<Map<string, string> | null> {
    const { rows } = await this.sql.query<{ anonymous: string; user_id: string | null; participant_id: string | null }>(
      `SELECT c.anonymous, m.user_id, m.participant_id FROM conversations c
         LEFT JOIN memberships m ON m.conversation_id = c.id AND m.user_id = ANY($2::text[]) AND m.participant_id IS NOT NULL
        WHERE c.id = $1`,
      [conversationId, [...userIds]],
    );
    if (rows.length === 0 || rows[0].anonymous !== 'allowed') return null;
    return new Map(rows.flatMap((x) => (x.user_id && x.participant_id ? [[x.user_id, x.participant_id] as [string, string]] : [])));
  }
}

/** Members in one statement (`unnest` of up to 1,000 ids); the ones already there are skipped. Answers the ids added. */
async function insertMembers(tx: RelationalTx, conversationId: string, members: ReadonlyArray<{ userId: string; role: Rank; participantId?: string | null }>, at: string): Promise<string[]> {
  if (members.length === 0) return [];
  const rows = await tx.$queryRaw<Array<{ user_id: string }>>`
    INSERT INTO memberships (conversation_id, user_id, role, joined_at, participant_id)
    SELECT ${conversationId}::text, u.user_id, u.role, ${at}::timestamptz, u.participant_id
      FROM unnest(${members.map((m) => m.userId)}::text[], ${members.map((m) => m.role)}::text[], ${members.map((m) => m.participantId ?? null)}::text[]) AS u(user_id, role, participant_id)
    ON CONFLICT DO NOTHING RETURNING user_id`;
  return rows.map((x) => x.user_id);
}
