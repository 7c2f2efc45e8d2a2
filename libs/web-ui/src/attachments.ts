import { ParleyClient, ParleyRest } from '@parley/client';
import { AttachmentDto } from '@parley/protocol';
import { byId, el, errorText } from './dom';

/** The types the server accepts (docs/api/v1.md, attachments); the file picker offers only these. */
export const ATTACHMENT_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'video/mp4'];

export interface AttachHost {
  rest: ParleyRest;
  client(): ParleyClient | null;
  activeId(): string | null;
  fail(message: string): void;
}

/** The composer's file picker: uploads the chosen file, then sends a message carrying it (the composer's text, or the file's name). */
export function bindAttach(host: AttachHost): void {
  const picker = byId<HTMLInputElement>('attach');
  picker.accept = ATTACHMENT_TYPES.join(',');
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    const conversationId = host.activeId();
    const client = host.client();
    picker.value = '';
    if (!file || !conversationId || !client) return;
    const composer = byId<HTMLInputElement>('composer');
    const text = composer.value.trim() || file.name;
    composer.value = '';
    void file
      .arrayBuffer()
      .then((buffer) => host.rest.uploadAttachment(conversationId, new Uint8Array(buffer), file.type))
      .then((id) => client.send(conversationId, text, { attachments: [id] }))
      .catch((e: unknown) => host.fail(`Could not send the file: ${errorText(e)}`));
  });
}

const sizeText = (bytes: number) => (bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

/** A message's attachments as download buttons; the bytes are fetched (membership checked by the server) when pressed. */
export function attachmentButtons(conversationId: string, attachments: AttachmentDto[], download: (conversationId: string, a: AttachmentDto) => void): HTMLElement[] {
  return attachments.map((a) => {
    const label = `Download attachment (${a.content_type}, ${sizeText(a.size)})`;
    const button = el('button', { type: 'button', class: 'secondary', 'data-testid': 'attachment', 'aria-label': label }, `📎 ${a.content_type.split('/')[1] ?? 'file'} · ${sizeText(a.size)}`);
    button.addEventListener('click', () => download(conversationId, a));
    return el('span', { class: 'actions' }, button);
  });
}

/** Saves an attachment through a temporary object URL. */
export async function saveAttachment(rest: ParleyRest, conversationId: string, a: AttachmentDto): Promise<void> {
  const bytes = await rest.downloadAttachment(conversationId, a.id);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: a.content_type }));
  const link = el('a', { href: url, download: `${a.id}.${a.content_type.split('/')[1] ?? 'bin'}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
