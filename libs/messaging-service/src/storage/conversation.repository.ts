import { Conversation, ConversationType, isParticipantId, Membership, Rank, SendGate } from '@parley/domain';
import { memberColumn, ParticipantsRepository } from '../anonymous/participants.repository';
import { SocketSetup, SqlDb, SqlQueryable } from '@parley/ports';

interface ConversationRow {
  id: string;
  type: ConversationType;
  title: string | null;
  created_at: Date | string;
  member_count: number;
  last_seq: string | number;
  last_activity_at: Date | string;
  anonymous?: 'off' | 'allowed';
}

interface MembershipRow {
  conversation_id: string;
  user_id: string;
  role: Rank;
  joined_at: Date | string;
  last_read_seq: string | number;
  participant_id?: string | null;
  display_name?: string | null;
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

const toMembership = (r: MembershipRow): Membership => ({
  conversation_id: r.conversation_id,
  user_id: r.user_id,
  role: r.role,
  joined_at: iso(r.joined_at),
  last_read_seq: Number(r.last_read_seq),
  participant_id: r.participant_id ?? null,
  ...(r.display_name ? { display_name: r.display_name } : {}),
});

export interface ConversationWithMe {
  conversation: Conversation;
  me: Membership;
  /** Lifecycle entries (edits, deletes, reactions) above the caller's read marker: not unread messages (docs/adr/0010). */
  entriesUnread?: number;
}

/** Entries of the seq stream above the member's marker (m, c in scope): one index range of lifecycle_entries. */
const ENTRIES_UNREAD = `(SELECT count(*) FROM lifecycle_entries e WHERE e.conversation_id = c.id AND e.seq > m.last_read_seq) AS m_entries_unread`;

/** Conversations, memberships and read markers in SQL. */
export class ConversationRepository {
  constructor(private readonly db: SqlDb) {}

  /**
   * Inserts a conversation with its members in one transaction. For a direct conversation the
   * unique `direct_key` makes a concurrent duplicate fail with 23505; the caller then reads the winner.
   */
  async create(c: Conversation, directKey: string | null, members: Array<{ userId: string; role: Rank }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO conversations (id, type, title, direct_key, created_at, member_count, last_seq, last_activity_at, anonymous)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $5, $7)`,
        [c.id, c.type, c.title, directKey, c.created_at, members.length, c.anonymous ?? 'off'],
      );
      await this.insertMembers(tx, c.id, members, c.created_at);
    });
  }

  async findDirect(directKey: string): Promise<Conversation | null> {
    const r = await this.db.query<ConversationRow>(`SELECT * FROM conversations WHERE direct_key = $1`, [directKey]);
    return r.rows[0] ? toConversation(r.rows[0]) : null;
  }

  async get(id: string): Promise<Conversation | null> {
    const r = await this.db.query<ConversationRow>(`SELECT * FROM conversations WHERE id = $1`, [id]);
    return r.rows[0] ? toConversation(r.rows[0]) : null;
  }

  /** The membership of a user, or of a participant when `userId` is a participant id. */
  async membership(conversationId: string, userId: string): Promise<Membership | null> {
    const r = await this.db.query<MembershipRow>(`SELECT * FROM memberships WHERE conversation_id = $1 AND ${memberColumn(userId)} = $2`, [conversationId, userId]);
    return r.rows[0] ? toMembership(r.rows[0]) : null;
  }

  /**
   * Issue 13.4: what the senders' messages are checked against (rank, mute, the conversation's
   * slow mode and announcement flag), in the same one read per batch that checks membership.
   */
  async sendGates(conversationId: string, userIds: readonly string[]): Promise<Map<string, SendGate>> {
    if (userIds.length === 0) return new Map();
    // Senders are user ids, or participant ids in an anonymous group (the sequencer maps them first).
    const users = userIds.filter((id) => !isParticipantId(id));
    const participants = userIds.filter(isParticipantId);
    const r = await this.db.query<{ user_id: string; role: Rank; muted_until: Date | string | null; slow_mode_seconds: number; announcement: boolean }>(
      `SELECT COALESCE(m.participant_id, m.user_id) AS user_id, m.role, m.muted_until, c.slow_mode_seconds, c.announcement
         FROM memberships m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.conversation_id = $1 AND ((m.user_id = ANY($2::text[]) AND m.participant_id IS NULL) OR m.participant_id = ANY($3::text[]))`,
      [conversationId, users, participants],
    );
    return new Map(r.rows.map((x) => [x.user_id, {
      rank: x.role,
      muted_until: x.muted_until === null ? null : iso(x.muted_until),
      slow_mode_seconds: Number(x.slow_mode_seconds),
      announcement: x.announcement === true,
    }]));
  }

  /** The conversation and the caller's membership in one read; null for non-members. */
  async getForMember(conversationId: string, userId: string): Promise<ConversationWithMe | null> {
    const r = await this.db.query<ConversationRow & { m_user_id: string; m_participant_id: string | null; m_role: Rank; m_joined_at: Date | string; m_last_read_seq: string | number; m_entries_unread: string | number }>(
      `SELECT c.*, m.user_id AS m_user_id, m.participant_id AS m_participant_id, m.role AS m_role, m.joined_at AS m_joined_at, m.last_read_seq AS m_last_read_seq, ${ENTRIES_UNREAD}
         FROM conversations c JOIN memberships m ON m.conversation_id = c.id
        WHERE c.id = $1 AND m.${memberColumn(userId)} = $2`,
      [conversationId, userId],
    );
    const row = r.rows[0];
    if (!row) return null;
    return {
      conversation: toConversation(row),
      me: { conversation_id: conversationId, user_id: row.m_user_id, role: row.m_role, joined_at: iso(row.m_joined_at), last_read_seq: Number(row.m_last_read_seq), participant_id: row.m_participant_id },
      entriesUnread: Number(row.m_entries_unread),
    };
  }

  /** The user's conversations, most recently active first, keyset-paged by (last_activity_at, id). */
  async listForUser(userId: string, limit: number, after: { at: string; id: string } | null): Promise<ConversationWithMe[]> {
    const params: unknown[] = [userId, limit];
    let where = '';
    if (after) {
      params.push(after.at, after.id);
      where = `AND (c.last_activity_at, c.id) < ($3::timestamptz, $4)`;
    }
    const r = await this.db.query<ConversationRow & { m_participant_id: string | null; m_role: Rank; m_joined_at: Date | string; m_last_read_seq: string | number; m_entries_unread: string | number }>(
      `SELECT c.*, m.participant_id AS m_participant_id, m.role AS m_role, m.joined_at AS m_joined_at, m.last_read_seq AS m_last_read_seq, ${ENTRIES_UNREAD}
         FROM memberships m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = $1 ${where}
        ORDER BY c.last_activity_at DESC, c.id DESC
        LIMIT $2`,
      params,
    );
    return r.rows.map((row) => ({
      conversation: toConversation(row),
      me: { conversation_id: row.id, user_id: userId, role: row.m_role, joined_at: iso(row.m_joined_at), last_read_seq: Number(row.m_last_read_seq), participant_id: row.m_participant_id },
      entriesUnread: Number(row.m_entries_unread),
    }));
  }

  async conversationIdsOf(userId: string): Promise<string[]> {
    const r = await this.db.query<{ conversation_id: string }>(`SELECT conversation_id FROM memberships WHERE user_id = $1`, [userId]);
    return r.rows.map((x) => x.conversation_id);
  }

  /**
   * Each user's conversations and direct partners, in one query for the whole batch. The partner is
   * looked up for direct conversations only: as a join condition, `c.type = 'direct'` is checked
   * after the members are read, so every member of every group was read too (a 100,000-member
   * group: 100,000 rows per connecting member).
   */
  async socketSetups(userIds: readonly string[]): Promise<SocketSetup[]> {
    const r = await this.db.query<{ user_id: string; conversation_id: string; partner: string | null }>(
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
    for (const row of r.rows) {
      const setup = byUser.get(row.user_id);
      if (!setup) continue;
      setup.conversation_ids.push(row.conversation_id);
      if (row.partner !== null) setup.direct_partners.push(row.partner);
    }
    return userIds.map((id) => byUser.get(id) as SocketSetup);
  }

  async directPartners(userId: string): Promise<string[]> {
    const r = await this.db.query<{ user_id: string }>(
      `SELECT other.user_id FROM memberships mine
         JOIN conversations c ON c.id = mine.conversation_id AND c.type = 'direct'
         JOIN memberships other ON other.conversation_id = c.id AND other.user_id <> mine.user_id
        WHERE mine.user_id = $1`,
      [userId],
    );
    return r.rows.map((x) => x.user_id);
  }

  /** One indexed probe per conversation of `userId`, stopping at the first they share. */
  async sharesConversation(userId: string, otherUserId: string): Promise<boolean> {
    // An anonymous membership never counts (docs/adr/0016): nobody learns when a pseudonym's owner is online.
    const r = await this.db.query(
      `SELECT 1 FROM memberships mine
         JOIN memberships other ON other.conversation_id = mine.conversation_id AND other.user_id = $2 AND other.participant_id IS NULL
        WHERE mine.user_id = $1 AND mine.participant_id IS NULL LIMIT 1`,
      [userId, otherUserId],
    );
    return r.rows.length > 0;
  }

  /** Members ordered by (joined_at, participant id or user id), keyset-paged; a pseudonym's name joined in. */
  async members(conversationId: string, limit: number, after: { at: string; id: string } | null): Promise<Membership[]> {
    const params: unknown[] = [conversationId, limit];
    let where = '';
    if (after) {
      params.push(after.at, after.id);
      where = `AND (m.joined_at, COALESCE(m.participant_id, m.user_id)) > ($3::timestamptz, $4)`;
    }
    const r = await this.db.query<MembershipRow>(
      `SELECT m.*, p.display_name FROM memberships m LEFT JOIN participants p ON p.participant_id = m.participant_id
        WHERE m.conversation_id = $1 ${where} ORDER BY m.joined_at, COALESCE(m.participant_id, m.user_id) LIMIT $2`,
      params,
    );
    return r.rows.map(toMembership);
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
        const present = await tx.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE conversation_id = $1 AND user_id = ANY($2::text[])`, [conversationId, [...userIds]]);
        const have = new Set(present.rows.map((x) => x.user_id));
        pids = await ParticipantsRepository.draw(tx, conversationId, userIds.filter((id) => !have.has(id)), at, anonymous.windowSeconds);
      }
      const added = await this.insertMembers(tx, conversationId, userIds.map((userId) => ({ userId, role: 'member' as const, participantId: pids?.get(userId) ?? null })), at);
      if (added.length > 0) {
        await tx.query(`UPDATE conversations SET member_count = member_count + $2 WHERE id = $1`, [conversationId, added.length]);
      }
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
      await tx.query(`SELECT id FROM conversations WHERE id = $1 FOR UPDATE`, [conversationId]);
      const r = await tx.query<{ role: Rank; participant_id: string | null }>(`DELETE FROM memberships WHERE conversation_id = $1 AND user_id = $2 RETURNING role, participant_id`, [conversationId, userId]);
      if (r.rows.length === 0) return { removed: false, promoted: null };
      if (r.rows[0].participant_id) await ParticipantsRepository.left(tx, r.rows[0].participant_id, new Date().toISOString());
      await tx.query(`UPDATE conversations SET member_count = member_count - 1 WHERE id = $1`, [conversationId]);
      if (r.rows[0].role !== 'owner' && r.rows[0].role !== 'admin') return { removed: true, promoted: null };
      const p = await tx.query<{ user_id: string }>(
        `UPDATE memberships SET role = 'owner'
          WHERE conversation_id = $1
            AND NOT EXISTS (SELECT 1 FROM memberships WHERE conversation_id = $1 AND role = 'owner')
            AND user_id = (SELECT user_id FROM memberships WHERE conversation_id = $1
                            ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, joined_at, user_id LIMIT 1)
          RETURNING user_id`,
        [conversationId],
      );
      return { removed: true, promoted: p.rows[0]?.user_id ?? null };
    });
  }

  /** Moves the marker forward only; returns the stored marker. */
  async advanceReadMarker(conversationId: string, userId: string, seq: number): Promise<number> {
    const r = await this.db.query<{ last_read_seq: string | number }>(
      `UPDATE memberships SET last_read_seq = GREATEST(last_read_seq, $3)
        WHERE conversation_id = $1 AND user_id = $2 RETURNING last_read_seq`,
      [conversationId, userId, seq],
    );
    return r.rows[0] ? Number(r.rows[0].last_read_seq) : 0;
  }

  /** Members whose read marker is at or past seq: one range count over memberships_by_read_marker. */
  async readersAtOrPast(conversationId: string, seq: number): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM memberships WHERE conversation_id = $1 AND last_read_seq >= $2`,
      [conversationId, seq],
    );
    return r.rows[0] ? Number(r.rows[0].n) : 0;
  }

  async memberCount(conversationId: string): Promise<number> {
    const r = await this.db.query<{ member_count: number }>(`SELECT member_count FROM conversations WHERE id = $1`, [conversationId]);
    return r.rows[0] ? Number(r.rows[0].member_count) : 0;
  }

  async memberIds(conversationId: string, limit: number): Promise<string[]> {
    const r = await this.db.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE conversation_id = $1 LIMIT $2`, [conversationId, limit]);
    return r.rows.map((x) => x.user_id);
  }

  /** The user's unread total over all conversations (one pass over their memberships) and the conversation's title. */
  async pushContext(userId: string, conversationId: string): Promise<{ unread_total: number; title: string | null }> {
    const r = await this.db.query<{ unread_total: string | number | null; title: string | null }>(
      `SELECT (SELECT COALESCE(sum(GREATEST(c.last_seq - m.last_read_seq
                   - (SELECT count(*) FROM lifecycle_entries e WHERE e.conversation_id = c.id AND e.seq > m.last_read_seq), 0)), 0)
                 FROM memberships m JOIN conversations c ON c.id = m.conversation_id WHERE m.user_id = $1) AS unread_total,
              (SELECT title FROM conversations WHERE id = $2) AS title`,
      [userId, conversationId],
    );
    const row = r.rows[0];
    return { unread_total: row ? Number(row.unread_total ?? 0) : 0, title: row?.title ?? null };
  }

  /**
   * Issue 14: the participant id each of `userIds` sends under in an anonymous group (only the
   * anonymous members are in the map), or null when the conversation is not anonymous.
   */
  async senderAliases(conversationId: string, userIds: readonly string[]): Promise<Map<string, string> | null> {
    const r = await this.db.query<{ anonymous: string; user_id: string | null; participant_id: string | null }>(
      `SELECT c.anonymous, m.user_id, m.participant_id FROM conversations c
         LEFT JOIN memberships m ON m.conversation_id = c.id AND m.user_id = ANY($2::text[]) AND m.participant_id IS NOT NULL
        WHERE c.id = $1`,
      [conversationId, [...userIds]],
    );
    if (r.rows.length === 0 || r.rows[0].anonymous !== 'allowed') return null;
    return new Map(r.rows.flatMap((x) => (x.user_id && x.participant_id ? [[x.user_id, x.participant_id] as [string, string]] : [])));
  }

  private async insertMembers(tx: SqlQueryable, conversationId: string, members: ReadonlyArray<{ userId: string; role: Rank; participantId?: string | null }>, at: string): Promise<string[]> {
    if (members.length === 0) return [];
    const r = await tx.query<{ user_id: string }>(
      `INSERT INTO memberships (conversation_id, user_id, role, joined_at, participant_id)
       SELECT $1, u.user_id, u.role, $4, u.participant_id FROM unnest($2::text[], $3::text[], $5::text[]) AS u(user_id, role, participant_id)
       ON CONFLICT DO NOTHING RETURNING user_id`,
      [conversationId, members.map((m) => m.userId), members.map((m) => m.role), at, members.map((m) => m.participantId ?? null)],
    );
    return r.rows.map((x) => x.user_id);
  }
}
