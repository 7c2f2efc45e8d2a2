import { Message } from '@parley/domain';
import { EMPTY_SQL, RelationalDb, SearchQuery, SearchResult, SqlDb, sqlFragment } from '@parley/ports';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

/**
 * The search projection's table (docs/adr/0015-search.md). Writes are idempotent so the
 * at-least-once consumer may replay any batch: a message row is inserted once (a replay never
 * brings back an old text), an edit applies only when newer than the last one applied, a delete
 * removes the row. Hand-written statements through Prisma Client (docs/adr/0004-relational-data.md):
 * full-text search and `tsvector` are beyond its query API; only the delete is plain. The insert
 * runs for every message, so it goes through `SqlDb` on the same connections (ADR 0004's rule for
 * per-message statements).
 */
export class SearchRepository {
  private readonly db: RelationalDb;

  constructor(private readonly sql: SqlDb) {
    this.db = sql.relational();
  }

  /** Indexes new messages in one statement (`unnest`); a message already indexed keeps its row (a replay never brings back an old text). */
  async insert(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sql.query(
      `INSERT INTO search_messages (conversation_id, seq, created_at, message, tsv)
       SELECT m.conversation_id, m.seq::bigint, m.created_at::timestamptz, m.message::jsonb, to_tsvector('simple', m.text)
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS m(conversation_id, seq, created_at, message, text)
       ON CONFLICT (conversation_id, seq) DO NOTHING`,
      [messages.map((m) => m.conversation_id), messages.map((m) => String(m.seq)), messages.map((m) => m.created_at), messages.map((m) => JSON.stringify(m)), messages.map((m) => m.body.text)],
    );
  }

  /** The edit entry `entrySeq` gave message `targetSeq` the text `text` at `editedAt`. */
  async edit(conversationId: string, targetSeq: number, entrySeq: number, text: string, editedAt: string): Promise<void> {
    await this.db.run((c) => c.$executeRaw`
      UPDATE search_messages
         SET message = jsonb_set(jsonb_set(message, '{body,text}', to_jsonb(${text}::text)), '{edited_at}', to_jsonb(${editedAt}::text)),
             tsv = to_tsvector('simple', ${text}::text), edited_seq = ${entrySeq}::bigint
       WHERE conversation_id = ${conversationId} AND seq = ${targetSeq}::bigint AND edited_seq < ${entrySeq}::bigint`);
  }

  async remove(conversationId: string, targetSeq: number): Promise<void> {
    await this.db.run((c) => c.searchMessage.deleteMany({ where: { conversationId, seq: BigInt(targetSeq) } }));
  }

  /**
   * Messages matching every word of `q` in the conversations `actorId` is a member of now (the
   * membership join runs with the query), newest first: keyset (created_at, conversation_id, seq)
   * descending. One row more than the page tells whether there is a next page.
   */
  async search(actorId: string, query: SearchQuery): Promise<SearchResult> {
    const after = decodeSearchCursor(query.cursor);
    const inConversation = query.conversation_id === null ? EMPTY_SQL : sqlFragment` AND s.conversation_id = ${query.conversation_id}`;
    const afterCursor = after ? sqlFragment` AND (s.created_at, s.conversation_id, s.seq) < (${after.at}::timestamptz, ${after.conversation_id}::text, ${after.seq}::bigint)` : EMPTY_SQL;
    const found = await this.db.run((c) => c.$queryRaw<Array<{ message: Message | string }>>`
      SELECT s.message FROM search_messages s
        JOIN memberships m ON m.conversation_id = s.conversation_id AND m.user_id = ${actorId}
       WHERE s.tsv @@ plainto_tsquery('simple', ${query.q}::text)${inConversation}${afterCursor}
       ORDER BY s.created_at DESC, s.conversation_id DESC, s.seq DESC
       LIMIT ${query.limit + 1}::int`);
    const rows = found.map((row) => (typeof row.message === 'string' ? (JSON.parse(row.message) as Message) : row.message));
    const messages = rows.slice(0, query.limit);
    const last = messages[messages.length - 1];
    const next_cursor = rows.length > query.limit && last ? encodeSearchCursor({ at: new Date(last.created_at).toISOString(), conversation_id: last.conversation_id, seq: last.seq }) : null;
    return { messages, next_cursor };
  }
}
