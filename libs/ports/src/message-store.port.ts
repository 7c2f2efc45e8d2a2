import { Message } from '@parley/domain';

/**
 * Messages, stored once per conversation (never per recipient), clustered by seq.
 *
 * - `insert` is idempotent: writing the same (conversation_id, seq) with the same message again
 *   is a no-op, so a sequencer that reprocesses an ingress record after a crash is harmless.
 * - Reads return messages in ascending seq.
 */
export interface MessageStore {
  insert(message: Message): Promise<void>;
  /**
   * Writes messages whose seq and client_msg_id a send ledger has already given to exactly them
   * (the sequencer's claims): no read before the write and no conflict check, since nothing else
   * can hold those keys. Idempotent (the same message again is the same upsert). All of one
   * conversation; a reader never sees a later seq of the call without the earlier ones (rows
   * become visible in seq order), so a catching-up client cannot skip one.
   */
  insertClaimed(messages: readonly Message[]): Promise<void>;
  /**
   * Writes a stored message's new state over it (issue 13: an edit, a tombstone, new reaction
   * counts), by (conversation_id, seq). Only the sequencer calls it, for a message it already
   * wrote; the same state again is the same write.
   */
  rewrite(message: Message): Promise<void>;
  /**
   * The message (or lifecycle entry) stored at `seq`, null when none is. The sequencer finds a
   * repeated send's stored original here, by the seq its claim holds (docs/adr/0003): the send
   * ledger, not the store, maps (sender, client_msg_id) to a seq.
   */
  atSeq(conversationId: string, seq: number): Promise<Message | null>;
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
