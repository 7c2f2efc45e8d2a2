import { Message, validationFailed } from '@parley/domain';
import { bodyColumn, fromBodyColumn } from '../message-body-column';
import { MessageStore } from '../message-store.port';
import { Migration } from '../sql/migrations';
import { SqlDb } from '../sql.port';
import { checkId, checkMessage, checkNonNegativeInteger } from '../adapter-input-checks';

export const messageStoreMigrations: Migration[] = [
  {
    id: 'ports/message-store/001_messages',
    sql: `
CREATE TABLE IF NOT EXISTS messages (
  conversation_id text NOT NULL,
  seq bigint NOT NULL,
  id text NOT NULL,
  sender_id text NOT NULL,
  client_msg_id text NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_client_msg_id ON messages (conversation_id, sender_id, client_msg_id);
`,
  },
];

/**
 * A second message written at a seq that already holds another one. The single writer per
 * partition must make this impossible; when it happens anyway, the write is refused rather than
 * silently dropped, so the broken invariant is seen.
 */
export class SeqConflictError extends Error {
  constructor(
    readonly conversationId: string,
    readonly seq: number,
    readonly storedId: string,
    readonly attemptedId: string,
  ) {
    super(`seq conflict: ${conversationId}#${seq} holds ${storedId}, refused ${attemptedId}`);
    this.name = 'SeqConflictError';
  }
}

/** A message whose (conversation, sender, client_msg_id) is already stored at another seq. */
export class ClientMsgIdConflictError extends Error {
  constructor(readonly attempted: Pick<Message, 'conversation_id' | 'sender_id' | 'client_msg_id' | 'seq'>) {
    super(
      `client_msg_id conflict: ${attempted.sender_id}/${attempted.client_msg_id} in ${attempted.conversation_id} is stored at a seq other than ${attempted.seq}`,
    );
    this.name = 'ClientMsgIdConflictError';
  }
}

interface MessageRow {
  id: string;
  conversation_id: string;
  seq: string;
  sender_id: string;
  client_msg_id: string;
  body: Message['body'];
  created_at: Date | string;
}

// seq goes out as text (int8 parses differently per driver); ORDER BY names messages.seq, not this text alias.
const COLUMNS = `id, conversation_id, seq::text AS seq, sender_id, client_msg_id, body, created_at`;

/**
 * MessageStore on the SqlDb port: PGlite in standalone, and any Postgres. Rows are clustered by
 * (conversation_id, seq). `created_at` is kept as timestamptz and read back as ISO-8601 UTC with
 * milliseconds (`Date#toISOString`).
 */
export class SqlMessageStore implements MessageStore {
  constructor(private readonly db: SqlDb) {}

  /**
   * Idempotent per (conversation_id, seq): the same message again is a no-op. A different message
   * at a stored seq throws SeqConflictError; the same client_msg_id at another seq throws
   * ClientMsgIdConflictError. Both mean the single-writer invariant was broken upstream.
   */
  async insert(message: Message): Promise<void> {
    checkMessage(message);
    const inserted = await this.db.query(
      `INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, created_at)
       VALUES ($1, $2::bigint, $3, $4, $5, $6::text::jsonb, $7::timestamptz)
       ON CONFLICT DO NOTHING`,
      [
        message.conversation_id,
        String(message.seq),
        message.id,
        message.sender_id,
        message.client_msg_id,
        bodyColumn(message),
        message.created_at,
      ],
    );
    if (inserted.rowCount > 0) return;
    const stored = await this.db.query<{ id: string }>(`SELECT id FROM messages WHERE conversation_id = $1 AND seq = $2::bigint`, [
      message.conversation_id,
      String(message.seq),
    ]);
    const storedId = stored.rows[0]?.id;
    if (storedId === undefined) throw new ClientMsgIdConflictError(message);
    if (storedId !== message.id) throw new SeqConflictError(message.conversation_id, message.seq, storedId, message.id);
  }

  /**
   * One multi-row INSERT per call (a statement is atomic, so the rows appear together): no read
   * first; a row already there (the same claim written before) is left as it is.
   */
  async insertClaimed(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    checkOneConversation(messages);
    await this.db.query(
      `INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, created_at)
       SELECT $1, m.seq::bigint, m.id, m.sender_id, m.client_msg_id, m.body::jsonb, m.created_at::timestamptz
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              AS m(seq, id, sender_id, client_msg_id, body, created_at)
       ON CONFLICT DO NOTHING`,
      [
        messages[0].conversation_id,
        messages.map((m) => String(m.seq)),
        messages.map((m) => m.id),
        messages.map((m) => m.sender_id),
        messages.map((m) => m.client_msg_id),
        messages.map((m) => bodyColumn(m)),
        messages.map((m) => m.created_at),
      ],
    );
  }

  async rewrite(message: Message): Promise<void> {
    checkMessage(message);
    await this.db.query(`UPDATE messages SET body = $3::text::jsonb WHERE conversation_id = $1 AND seq = $2::bigint`, [
      message.conversation_id,
      String(message.seq),
      bodyColumn(message),
    ]);
  }

  async atSeq(conversationId: string, seq: number): Promise<Message | null> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('seq', seq);
    const r = await this.db.query<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND seq = $2::bigint`, [conversationId, String(seq)]);
    const row = r.rows[0];
    return row ? toMessage(row) : null;
  }

  async lastSeq(conversationId: string): Promise<number> {
    checkId('conversationId', conversationId);
    const r = await this.db.query<{ last: string }>(
      `SELECT COALESCE(MAX(seq), 0)::text AS last FROM messages WHERE conversation_id = $1`,
      [conversationId],
    );
    return Number(r.rows[0]?.last ?? 0);
  }

  async after(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('afterSeq', afterSeq);
    checkNonNegativeInteger('limit', limit);
    if (limit === 0) return [];
    const r = await this.db.query<MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2::bigint ORDER BY messages.seq ASC LIMIT $3`,
      [conversationId, String(afterSeq), limit],
    );
    return r.rows.map(toMessage);
  }

  async before(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('beforeSeq', beforeSeq);
    checkNonNegativeInteger('limit', limit);
    if (limit === 0) return [];
    const r = await this.db.query<MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 AND seq < $2::bigint ORDER BY messages.seq DESC LIMIT $3`,
      [conversationId, String(beforeSeq), limit],
    );
    return r.rows.map(toMessage).reverse();
  }

  async latest(conversationId: string, limit: number): Promise<Message[]> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('limit', limit);
    if (limit === 0) return [];
    const r = await this.db.query<MessageRow>(
      `SELECT ${COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY messages.seq DESC LIMIT $2`,
      [conversationId, limit],
    );
    return r.rows.map(toMessage).reverse();
  }
}

/** Validates each message and that they all belong to one conversation (insertClaimed's contract). */
export function checkOneConversation(messages: readonly Message[]): void {
  if (!Array.isArray(messages)) throw validationFailed('messages must be an array');
  for (const m of messages) {
    checkMessage(m);
    if (m.conversation_id !== messages[0].conversation_id) throw validationFailed('insertClaimed takes the messages of one conversation');
  }
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    seq: Number(row.seq),
    sender_id: row.sender_id,
    client_msg_id: row.client_msg_id,
    ...fromBodyColumn(row.body),
    created_at: new Date(row.created_at).toISOString(),
  };
}

