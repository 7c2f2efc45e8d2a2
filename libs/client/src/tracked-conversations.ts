import { ClientFrame, ConversationEventFrame, Limits, MessageDto, SyncDoneFrame } from '@parley/protocol';
import { ParleyClientEvents, ParleyClientOptions, SyncedEvent } from './client-types';
import { ConversationStream } from './conversation-stream';
import { ParleyClientError } from './errors';
import { Waiter } from './waiter';

/** What the tracked conversations need from the client. */
export interface ConversationsHost {
  /** Puts a frame on the open socket; false when there is none. */
  sendFrame(frame: ClientFrame): boolean;
  /** True while a socket is open and its hello came. */
  connected(): boolean;
  requestTimer(onTimeout: () => void): ReturnType<typeof setTimeout>;
  emit<K extends 'message' | 'gap' | 'synced' | 'error'>(event: K, payload: ParleyClientEvents[K]): void;
  /** An error of a background sync: reported unless a disconnect (the reconnect's resume repairs those). */
  report(error: unknown): void;
}

/**
 * The conversations the client follows: for each, the last seq delivered to the app and the
 * messages held ahead of a gap (ConversationStream), and the syncs that fill gaps: one chain of
 * syncs per conversation at a time, page after page while the server has more.
 */
export class TrackedConversations {
  private readonly streams = new Map<string, ConversationStream>();
  private readonly waiters = new Map<string, Waiter<SyncDoneFrame>>();
  /** Tail of each conversation's chain of syncs. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly filling = new Set<string>();

  constructor(
    private readonly host: ConversationsHost,
    private readonly options: Pick<ParleyClientOptions, 'maxBufferedPerConversation' | 'syncPageSize'>,
  ) {}

  /** Seeds (or moves forward) the last seq the app already has. */
  track(conversationId: string, lastSeq: number): void {
    const stream = this.streams.get(conversationId);
    if (!stream) {
      this.streams.set(conversationId, this.newStream(conversationId, lastSeq));
      return;
    }
    for (const m of stream.skipTo(lastSeq)) this.host.emit('message', m);
  }

  untrack(conversationId: string): void {
    this.streams.delete(conversationId);
  }

  lastSeqOf(conversationId: string): number | undefined {
    return this.streams.get(conversationId)?.lastSeq;
  }

  ids(): string[] {
    return [...this.streams.keys()];
  }

  /** See ParleyClient.sync. */
  sync(conversationId: string, afterSeq: number, limit?: number): Promise<SyncedEvent> {
    if (!this.streams.has(conversationId)) this.streams.set(conversationId, this.newStream(conversationId, afterSeq));
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const run = previous.then(
      () => this.syncLoop(conversationId, afterSeq, limit),
      () => this.syncLoop(conversationId, afterSeq, limit),
    );
    this.chains.set(conversationId, run);
    const cleanup = () => {
      if (this.chains.get(conversationId) === run) this.chains.delete(conversationId);
    };
    run.then(cleanup, cleanup);
    return run;
  }

  onMessage(message: MessageDto): void {
    const id = message.conversation_id;
    let stream = this.streams.get(id);
    if (!stream) {
      // First sight of an untracked conversation: this message is the baseline.
      stream = this.newStream(id, message.seq - 1);
      this.streams.set(id, stream);
    }
    const before = stream.lastSeq;
    const hadGap = stream.hasGap;
    for (const m of stream.accept(message)) this.host.emit('message', m);
    if (!hadGap && stream.hasGap) this.host.emit('gap', { conversation_id: id, after_seq: before, seen_seq: message.seq });
    if (stream.hasGap) this.fillGap(id);
  }

  onSyncDone(frame: SyncDoneFrame): void {
    const waiter = this.waiters.get(frame.conversation_id);
    if (!waiter) return;
    this.waiters.delete(frame.conversation_id);
    clearTimeout(waiter.timer);
    waiter.resolve(frame);
  }

  /** Added to a conversation: follow it from its current last seq; removed: stop following it. */
  onConversationEvent(frame: ConversationEventFrame): void {
    if (frame.event === 'added' && !this.streams.has(frame.conversation.id)) {
      this.streams.set(frame.conversation.id, this.newStream(frame.conversation.id, frame.conversation.last_seq));
    }
    if (frame.event === 'removed') this.streams.delete(frame.conversation.id);
  }

  /** The socket is gone: every sync page awaiting its answer fails (the chains then end). */
  failPages(error: ParleyClientError): void {
    for (const w of this.waiters.values()) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.waiters.clear();
  }

  private fillGap(conversationId: string): void {
    if (this.filling.has(conversationId) || !this.host.connected()) return;
    const stream = this.streams.get(conversationId);
    if (!stream) return;
    this.filling.add(conversationId);
    this.sync(conversationId, stream.lastSeq).then(
      () => this.filling.delete(conversationId),
      (e: unknown) => {
        this.filling.delete(conversationId);
        this.host.report(e);
      },
    );
  }

  private async syncLoop(conversationId: string, afterSeq: number, limit?: number): Promise<SyncedEvent> {
    const pageSize = limit ?? this.options.syncPageSize ?? Limits.SYNC_DEFAULT_LIMIT;
    // Sync from what was delivered: earlier seqs would be dropped as duplicates, later ones leave a hole.
    let after = this.streams.get(conversationId)?.lastSeq ?? afterSeq;
    for (;;) {
      const done = await this.syncPage(conversationId, after, pageSize);
      const stream = this.streams.get(conversationId);
      if (!stream) return { conversation_id: conversationId, last_seq: done.last_seq };
      if (!done.has_more) stream.noteExisting(done.last_seq);
      const complete = !done.has_more && !stream.hasGap;
      const progressed = stream.lastSeq > after;
      if (complete || !progressed) {
        const event = { conversation_id: conversationId, last_seq: stream.lastSeq };
        if (complete) this.host.emit('synced', event);
        else this.host.emit('error', new ParleyClientError('PROTOCOL_ERROR', `sync of ${conversationId} made no progress after seq ${after}`));
        return event;
      }
      after = stream.lastSeq;
    }
  }

  private syncPage(conversationId: string, afterSeq: number, limit: number): Promise<SyncDoneFrame> {
    return new Promise<SyncDoneFrame>((resolve, reject) => {
      const timer = this.host.requestTimer(() => {
        if (this.waiters.get(conversationId)?.timer === timer) this.waiters.delete(conversationId);
        reject(new ParleyClientError('TIMEOUT', `no sync.done for ${conversationId}`));
      });
      this.waiters.set(conversationId, { resolve, reject, timer });
      if (!this.host.sendFrame({ type: 'sync', conversation_id: conversationId, after_seq: afterSeq, limit })) {
        clearTimeout(timer);
        this.waiters.delete(conversationId);
        reject(new ParleyClientError('DISCONNECTED', 'not connected'));
      }
    });
  }

  private newStream(conversationId: string, lastSeq: number): ConversationStream {
    return new ConversationStream(conversationId, Math.max(0, lastSeq), this.options.maxBufferedPerConversation ?? 1000);
  }
}
