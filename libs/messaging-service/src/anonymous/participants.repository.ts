import { randomInt } from 'node:crypto';
import { isParticipantId, newAnonymousName, newParticipantId, withinRejoinWindow } from '@parley/domain';
import { RelationalDb, RelationalTx, SqlFragment, sqlFragment } from '@parley/ports';

/**
 * A member is named by their user id, or (anonymous groups) by their participant id: the condition
 * on `m` (memberships) that finds them, for a hand-written statement.
 */
export const memberIs = (key: string): SqlFragment => (isParticipantId(key) ? sqlFragment`m.participant_id = ${key}` : sqlFragment`m.user_id = ${key}`);

/** The same for the model API: the membership's where clause within one conversation. */
export const memberWhere = (conversationId: string, key: string): { conversationId: string; participantId: string } | { conversationId: string; userId: string } =>
  isParticipantId(key) ? { conversationId, participantId: key } : { conversationId, userId: key };

/** What the operator endpoint answers about a pseudonym (docs/adr/0016). */
export interface ParticipantLink {
  participant_id: string;
  conversation_id: string;
  user_id: string;
  display_name: string;
  joined_at: string;
  left_at: string | null;
}

/**
 * The participants table: the only place a pseudonym is linked to its user. Drawing and reusing
 * pseudonyms happens inside the membership transaction that adds the member.
 */
export class ParticipantsRepository {
  constructor(private readonly db: RelationalDb) {}

  /**
   * The pseudonym for each user joining anonymously at `at`: their latest one in this conversation
   * when they are within the rejoin window of leaving it, else a new one (random id and name).
   */
  static async draw(tx: RelationalTx, conversationId: string, userIds: readonly string[], at: string, windowSeconds: number): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (userIds.length === 0) return out;
    const latest = await tx.participant.findMany({
      where: { conversationId, userId: { in: [...userIds] } },
      orderBy: [{ userId: 'asc' }, { joinedAt: 'desc' }],
      distinct: ['userId'],
      select: { userId: true, participantId: true, leftAt: true },
    });
    const now = Date.parse(at);
    for (const row of latest) {
      if (!withinRejoinWindow(row.leftAt === null ? null : row.leftAt.toISOString(), now, windowSeconds)) continue;
      await tx.participant.update({ where: { participantId: row.participantId }, data: { leftAt: null } });
      out.set(row.userId, row.participantId);
    }
    const fresh = userIds.filter((userId) => !out.has(userId)).map((userId) => ({ participantId: newParticipantId(randomInt), conversationId, userId, displayName: newAnonymousName(randomInt), joinedAt: new Date(at) }));
    if (fresh.length > 0) await tx.participant.createMany({ data: fresh });
    for (const p of fresh) out.set(p.userId, p.participantId);
    return out;
  }

  /** A member leaving (or removed) starts the rejoin window. */
  static async left(tx: RelationalTx, participantId: string, at: string): Promise<void> {
    await tx.participant.updateMany({ where: { participantId, leftAt: null }, data: { leftAt: new Date(at) } });
  }

  /** The operator's lookup: the link behind a pseudonym, or null. */
  async link(participantId: string): Promise<ParticipantLink | null> {
    const row = await this.db.run((c) => c.participant.findUnique({ where: { participantId } }));
    if (!row) return null;
    return {
      participant_id: row.participantId,
      conversation_id: row.conversationId,
      user_id: row.userId,
      display_name: row.displayName,
      joined_at: row.joinedAt.toISOString(),
      left_at: row.leftAt === null ? null : row.leftAt.toISOString(),
    };
  }

  /** The user behind a pseudonym of this conversation (also after they left: bans and unbans). */
  async userOf(conversationId: string, participantId: string): Promise<string | null> {
    const row = await this.db.run((c) => c.participant.findFirst({ where: { participantId, conversationId }, select: { userId: true } }));
    return row?.userId ?? null;
  }
}
