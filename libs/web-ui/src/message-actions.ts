import { ParleyClient, ParleyClientError } from '@parley/client';
import { setMyReaction, ShownMessage } from './chat-store';
import { ComposerModeView } from './composer-mode';
import { errorText } from './dom';
import { MessageAction, QUICK_REACTION } from './message-list';

/**
 * A message's Reply, Edit, Delete and reaction buttons, through the SDK (ParleyClient.edit, deleteMessage,
 * react; a reply is sent with `replyTo`). The result comes back as a lifecycle entry in the seq stream.
 */
export class MessageActions {
  constructor(
    private readonly client: () => ParleyClient | null,
    private readonly activeId: () => string | null,
    private readonly composer: () => ComposerModeView | null,
    private readonly fail: (message: string) => void,
    private readonly changed: () => void = () => undefined,
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
    // Whether the user reacted comes from the stored message (after a reload too) and their own reaction entries.
    const adding = !(m.myReactions ?? []).includes(QUICK_REACTION);
    setMyReaction(m, QUICK_REACTION, adding);
    client.react(conversationId, m.seq, QUICK_REACTION, adding ? 'add' : 'remove').catch((e: unknown) => {
      // 409: the reaction was already there (e.g. added on another device in a large group, where
      // messages carry counts only); 404: it was already gone. Either way the page now knows.
      const code = e instanceof ParleyClientError ? e.code : undefined;
      if (code === 'CONFLICT' || code === 'NOT_FOUND') setMyReaction(m, QUICK_REACTION, code === 'CONFLICT');
      else {
        setMyReaction(m, QUICK_REACTION, !adding);
        failed(e);
      }
      this.changed();
    });
  }
}
