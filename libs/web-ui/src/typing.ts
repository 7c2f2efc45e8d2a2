import { ParleyClient } from '@parley/client';
import { TypingEventFrame } from '@parley/protocol';
import { ConversationEntry } from './chat-store';

const TYPING_SHOWN_MS = 6_000;
const TYPING_RESEND_MS = 3_000;
const TYPING_IDLE_MS = 4_000;

/** Sends "typing start" while the user writes (at most every few seconds) and "stop" when idle or sent. */
export class TypingSender {
  private sentAt = 0;
  private idle: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: () => ParleyClient | null,
    private readonly activeId: () => string | null,
  ) {}

  onInput(): void {
    const id = this.activeId();
    const client = this.client();
    if (!id || !client) return;
    const now = Date.now();
    if (now - this.sentAt > TYPING_RESEND_MS) {
      client.typing(id, 'start');
      this.sentAt = now;
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const id = this.activeId();
    if (this.sentAt > 0 && id) this.client()?.typing(id, 'stop');
    this.sentAt = 0;
  }
}

/** A typing frame from someone else: shown for a few seconds unless a "stop" or their message comes first. */
export function showTyping(entry: ConversationEntry | undefined, t: TypingEventFrame, me: string | undefined, render: () => void): void {
  if (!entry || t.user_id === me) return;
  const previous = entry.typing.get(t.user_id);
  if (previous) clearTimeout(previous);
  entry.typing.delete(t.user_id);
  if (t.state === 'start') {
    entry.typing.set(
      t.user_id,
      setTimeout(() => {
        entry.typing.delete(t.user_id);
        render();
      }, TYPING_SHOWN_MS),
    );
  }
  render();
}
