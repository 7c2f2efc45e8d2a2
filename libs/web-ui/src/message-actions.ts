import { ParleyClient } from '@parley/client';
import { ShownMessage } from './chat-store';
import { ComposerModeView } from './composer-mode';
import { errorText } from './dom';
import { MessageAction, QUICK_REACTION } from './message-list';

/**
 * A message's Reply, Edit, Delete and reaction buttons, through the SDK (ParleyClient.edit, deleteMessage,
 * react; a reply is sent with `replyTo`). The result comes back as a lifecycle entry in the seq stream.
 */
export class MessageActions {
  /** Reactions this page added (conversation, seq, emoji), so a second press removes them. */
  private readonly mine = new Set<string>();

  constructor(
    private readonly client: () => ParleyClient | null,
    private readonly activeId: () => string | null,
    private readonly composer: () => ComposerModeView | null,
    private readonly fail: (message: string) => void,
  ) {}

  act(action: MessageAction, m: ShownMessage): void {
    const conversationId = this.activeId();
    const client = this.client();
    if (!conversationId || !client || m.seq === null) return;
    if (action === 'reply' || action === 'edit') return this.composer()?.start(action, m);
    const failed = (e: unknown) => this.fail(`Could not ${action === 'delete' ? 'delete' : 'react'}: ${errorText(e)}`);
    if (action === 'delete') {
      client.deleteMessage(conversationId, m.seq).catch(failed);
      return;
    }
    const key = `${conversationId}:${m.seq}:${QUICK_REACTION}`;
    const adding = !this.mine.has(key);
    if (adding) this.mine.add(key);
    else this.mine.delete(key);
    client.react(conversationId, m.seq, QUICK_REACTION, adding ? 'add' : 'remove').catch(failed);
  }
}
