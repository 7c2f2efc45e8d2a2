import { Message } from '@parley/domain';
import { SearchQuery, SearchResult, SqlDb } from '@parley/ports';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

/**
 * The search projection's table (docs/adr/0015-search.md). Writes are idempotent so the
 * at-least-once consumer may replay any batch: a message row is inserted once (a replay never
 * brings back an old text), an edit applies only when newer than the last one applied, a delete
 * removes the row.
 */
export class SearchRepository {
  constructor(private readonly db: SqlDb) {}

  /** Indexes new messages in one statement; a message already indexed keeps its row (a replay never brings back an old text). */
  async insert(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    const params: unknown[] = [];
    const rows = messages.map((m) => {
      const b = params.length;
      params.push(m.conversation_id, m.seq, m.created_at, JSON.stringify(m), m.body.text);
      return `($${b + 1}, $${b + 2}::bigint, $${b + 3}::timestamptz, $${b + 4}::jsonb, to_tsvector('simple', $${b + 5}))`;
    });
    await this.db.query(
      `INSERT INTO search_messages (conversation_id, seq, created_at, message, tsv)
       VALUES ${rows.join(', ')}
       ON CONFLICT (conversation_id, seq) DO NOTHING`,
      params,
    );
  }

  /** The edit entry `entrySeq` gave message `targetSeq` the text `text` at `editedAt`. */
  async edit(conversationId: string, targetSeq: number, entrySeq: number, text: string, editedAt: string): Promise<void> {
    await this.db.query(
      `UPDATE search_messages
          SET message = jsonb_set(jsonb_set(message, '{body,text}', to_jsonb($4::text)), '{edited_at}', to_jsonb($5::text)),
              tsv = to_tsvector('simple', $4), edited_seq = $3
        WHERE conversation_id = $1 AND seq = $2 AND edited_seq < $3`,
      [conversationId, targetSeq, entrySeq, text, editedAt],
    );
  }

  async remove(conversationId: string, targetSeq: number): Promise<void> {
    await this.db.query(`DELETE FROM search_messages WHERE conversation_id = $1 AND seq = $2`, [conversationId, targetSeq]);
  }

  /**
   * Messages matching every word of `q` in the conversations `actorId` is a member of now (the
   * membership join runs with the query), newest first: keyset (created_at, conversation_id, seq)
   * descending. One row more than the page tells whether there is a next page.
   */
  async search(actorId: string, query: SearchQuery): Promise<SearchResult> {
    const after = decodeSearchCursor(query.cursor);
    const params: unknown[] = [actorId, query.q, query.limit + 1];
    let where = '';
    if (query.conversation_id !== null) {
      params.push(query.conversation_id);
      where += ` AND s.conversation_id = $${params.length}`;
    }
    if (after) {
      params.push(after.at, after.conversation_id, after.seq);
      const n = params.length;
      where += ` AND (s.created_at, s.conversation_id, s.seq) < ($${n - 2}::timestamptz, $${n - 1}, $${n})`;
    }
    const r = await this.db.query<{ message: Message | string }>(
      `SELECT s.message FROM search_messages s
         JOIN memberships m ON m.conversation_id = s.conversation_id AND m.user_id = $1
        WHERE s.tsv @@ plainto_tsquery('simple', $2)${where}
        ORDER BY s.created_at DESC, s.conversation_id DESC, s.seq DESC
        LIMIT $3`,
      params,
    );
    const rows = r.rows.map((row) => (typeof row.message === 'string' ? (JSON.parse(row.message) as Message) : row.message));
    const messages = rows.slice(0, query.limit);
    const last = messages[messages.length - 1];
    const next_cursor = rows.length > query.limit && last ? encodeSearchCursor({ at: new Date(last.created_at).toISOString(), conversation_id: last.conversation_id, seq: last.seq }) : null;
    return { messages, next_cursor };
  }
}
