import { randomInt } from 'node:crypto';
import { isParticipantId, newAnonymousName, newParticipantId, withinRejoinWindow } from '@parley/domain';

/** A member is named by their user id, or (anonymous groups) by their participant id: the column to match. */
export const memberColumn = (key: string): 'participant_id' | 'user_id' => (isParticipantId(key) ? 'participant_id' : 'user_id');
import { SqlDb, SqlQueryable } from '@parley/ports';

/** What the operator endpoint answers about a pseudonym (docs/adr/0016). */
export interface ParticipantLink {
  participant_id: string;
  conversation_id: string;
  user_id: string;
  display_name: string;
  joined_at: string;
  left_at: string | null;
}

interface ParticipantRow {
  participant_id: string;
  conversation_id: string;
  user_id: string;
  display_name: string;
  joined_at: Date | string;
  left_at: Date | string | null;
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

/**
 * The participants table: the only place a pseudonym is linked to its user. Drawing and reusing
 * pseudonyms happens inside the membership transaction that adds the member.
 */
export class ParticipantsRepository {
  constructor(private readonly db: SqlDb) {}

  /**
   * The pseudonym for each user joining anonymously at `at`: their latest one in this conversation
   * when they are within the rejoin window of leaving it, else a new one (random id and name).
   */
  static async draw(tx: SqlQueryable, conversationId: string, userIds: readonly string[], at: string, windowSeconds: number): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (userIds.length === 0) return out;
    const latest = await tx.query<{ user_id: string; participant_id: string; left_at: Date | string | null }>(
      `SELECT DISTINCT ON (user_id) user_id, participant_id, left_at FROM participants
        WHERE conversation_id = $1 AND user_id = ANY($2::text[]) ORDER BY user_id, joined_at DESC`,
      [conversationId, [...userIds]],
    );
    const now = Date.parse(at);
    for (const row of latest.rows) {
      if (!withinRejoinWindow(row.left_at === null ? null : iso(row.left_at), now, windowSeconds)) continue;
      await tx.query(`UPDATE participants SET left_at = NULL WHERE participant_id = $1`, [row.participant_id]);
      out.set(row.user_id, row.participant_id);
    }
    for (const userId of userIds) {
      if (out.has(userId)) continue;
      const id = newParticipantId(randomInt);
      await tx.query(
        `INSERT INTO participants (participant_id, conversation_id, user_id, display_name, joined_at) VALUES ($1, $2, $3, $4, $5)`,
        [id, conversationId, userId, newAnonymousName(randomInt), at],
      );
      out.set(userId, id);
    }
    return out;
  }

  /** A member leaving (or removed) starts the rejoin window. */
  static async left(tx: SqlQueryable, participantId: string, at: string): Promise<void> {
    await tx.query(`UPDATE participants SET left_at = $2 WHERE participant_id = $1 AND left_at IS NULL`, [participantId, at]);
  }

  /** The operator's lookup: the link behind a pseudonym, or null. */
  async link(participantId: string): Promise<ParticipantLink | null> {
    const r = await this.db.query<ParticipantRow>(`SELECT * FROM participants WHERE participant_id = $1`, [participantId]);
    const row = r.rows[0];
    if (!row) return null;
    return {
      participant_id: row.participant_id,
      conversation_id: row.conversation_id,
      user_id: row.user_id,
      display_name: row.display_name,
      joined_at: iso(row.joined_at),
      left_at: row.left_at === null ? null : iso(row.left_at),
    };
  }

  /** The user behind a pseudonym of this conversation (also after they left: bans and unbans). */
  async userOf(conversationId: string, participantId: string): Promise<string | null> {
    const r = await this.db.query<{ user_id: string }>(`SELECT user_id FROM participants WHERE participant_id = $1 AND conversation_id = $2`, [participantId, conversationId]);
    return r.rows[0]?.user_id ?? null;
  }
}
