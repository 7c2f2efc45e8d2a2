import { ShownMessage } from './chat-store';
import { byId, show } from './dom';

/** What the composer's Send does: a new message, a reply to a message, or an edit of the user's own. */
export type ComposerMode = { kind: 'new' } | { kind: 'reply'; seq: number; text: string } | { kind: 'edit'; seq: number; text: string };

/** Shows the composer's mode above it ("Replying to …" / "Editing …", with Cancel) and fills the input for an edit. */
export class ComposerModeView {
  mode: ComposerMode = { kind: 'new' };

  constructor() {
    byId('composer-cancel').addEventListener('click', () => {
      const wasEdit = this.mode.kind === 'edit';
      this.set({ kind: 'new' });
      if (wasEdit) byId<HTMLInputElement>('composer').value = '';
      byId<HTMLInputElement>('composer').focus();
    });
  }

  start(kind: 'reply' | 'edit', m: ShownMessage): void {
    if (m.seq === null) return;
    this.set({ kind, seq: m.seq, text: m.text });
    const input = byId<HTMLInputElement>('composer');
    if (kind === 'edit') input.value = m.text;
    input.focus();
  }

  set(mode: ComposerMode): void {
    this.mode = mode;
    show(byId('composer-mode'), mode.kind !== 'new');
    byId('composer-mode-text').textContent = mode.kind === 'reply' ? `Replying to “${mode.text}”` : mode.kind === 'edit' ? `Editing “${mode.text}”` : '';
  }
}
