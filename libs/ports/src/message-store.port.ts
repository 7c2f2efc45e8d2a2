import { Message } from '@parley/domain';

/**
 * Messages, stored once per conversation (never per recipient), clustered by seq.
 *
 * - `insert` is idempotent: writing the same (conversation_id, seq) with the same message again
 *   is a no-op, so a sequencer that reprocesses an ingress record after a crash is harmless.
 *   It also records the (conversation, sender, client_msg_id) index row.
 * - Reads return messages in ascending seq.
 */
export interface MessageStore {
  insert(message: Message): Promise<void>;
  findByClientMsgId(conversationId: string, senderId: string, clientMsgId: string): Promise<Message | null>;
  /** Highest stored seq of the conversation, 0 when empty. */
  lastSeq(conversationId: string): Promise<number>;
  /** Messages with seq > afterSeq, ascending, at most limit. */
  after(conversationId: string, afterSeq: number, limit: number): Promise<Message[]>;
  /** The `limit` messages just before `beforeSeq`, ascending. */
  before(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]>;
  /** The latest `limit` messages, ascending. */
  latest(conversationId: string, limit: number): Promise<Message[]>;
}

export const MESSAGE_STORE = Symbol('MessageStore');
