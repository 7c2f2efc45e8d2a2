import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { ParleyRest } from '@parley/client';
import type { AttachmentDownloadDto, MessageDto } from '@parley/protocol';
import type { WireError } from '../support/contract';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import type { ErrorFrame, MessageFrame } from '../support/contract';
import { closeAll, createGroup, makeWs, registerUser, type TestUser } from '../support/users';

/**
 * Attachments on both targets: standalone's files on disk behind gateway-signed URLs, the mesh's
 * S3 bucket (a real S3 server on loopback) behind presigned URLs.
 */
const DOWNLOAD_TTL_SECONDS = 3;
const MAX_BYTES = 200_000;
const parley = useParley({ env: { PARLEY_ATTACHMENT_MAX_BYTES: String(MAX_BYTES), PARLEY_ATTACHMENT_DOWNLOAD_TTL_SECONDS: String(DOWNLOAD_TTL_SECONDS) } });

const sdk = (u: TestUser) => new ParleyRest({ baseUrl: parley.current.baseUrl, getAccessToken: () => u.accessToken });
const absolute = (url: string) => new URL(url, `${parley.current.baseUrl}/`).toString();
const png = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();

async function setup() {
  const { baseUrl } = parley.current;
  const alice = await registerUser(baseUrl, 'alice');
  const bob = await registerUser(baseUrl, 'bob');
  const mallory = await registerUser(baseUrl, 'mallory');
  const group = await createGroup(baseUrl, alice.accessToken, 'pictures', [bob.user.id]);
  return { alice, bob, mallory, group };
}

describe('attachments', () => {
  e2eTest('upload, send, a member downloads the file and its thumbnail; a non-member is refused', async () => {
    const { baseUrl } = parley.current;
    const { alice, bob, mallory, group } = await setup();
    const image = await png(640, 400);
    const id = await sdk(alice).uploadAttachment(group.id, image, 'image/png');
    const { message } = await sdk(alice).sendMessage(group.id, randomUUID(), 'a picture', { attachments: [id] });
    expect(message.body.attachments).toEqual([{ id, content_type: 'image/png', size: image.length, thumbnail: true }]);

    // Bob sees it in history and downloads the very bytes, then the thumbnail (WebP, at most 320 px).
    const history = await sdk(bob).history(group.id, { after_seq: 0 });
    expect(history.messages.find((m: MessageDto) => m.id === message.id)?.body.attachments).toEqual(message.body.attachments);
    expect(Buffer.from(await sdk(bob).downloadAttachment(group.id, id)).equals(image)).toBe(true);
    const thumb = await sharp(Buffer.from(await sdk(bob).downloadAttachment(group.id, id, { thumbnail: true }))).metadata();
    expect({ format: thumb.format, width: thumb.width, height: thumb.height }).toEqual({ format: 'webp', width: 320, height: 200 });

    // Mallory, not a member: the 404 of an unknown conversation, for URLs and for uploads.
    for (const [method, path, json] of [
      ['GET', `/v1/conversations/${group.id}/attachments/${id}`, undefined],
      ['POST', `/v1/conversations/${group.id}/attachments`, { content_type: 'image/png', size: 10 }],
    ] as const) {
      const res = await rest<WireError>(baseUrl, method, path, { token: mallory.accessToken, json });
      expect({ method, status: res.status, code: res.body?.error?.code }).toEqual({ method, status: 404, code: 'NOT_FOUND' });
    }
    // An id that was never sent is unknown even to a member.
    const unknown = await rest<WireError>(baseUrl, 'GET', `/v1/conversations/${group.id}/attachments/${randomUUID()}`, { token: bob.accessToken });
    expect(unknown.status).toBe(404);
  });

  e2eTest('a WebSocket send carries attachments to the other members; a bad one is an error frame naming the send', async () => {
    const { wsUrl } = parley.current;
    const { alice, bob, group } = await setup();
    const [aliceWs, bobWs] = await Promise.all([makeWs(wsUrl, alice.accessToken), makeWs(wsUrl, bob.accessToken)]);
    try {
      const image = await png(40, 30);
      const id = await sdk(alice).uploadAttachment(group.id, image, 'image/png');
      const cmid = randomUUID();
      aliceWs.send({ type: 'send', conversation_id: group.id, client_msg_id: cmid, body: { text: 'over the socket', attachments: [{ id }] } });
      const got = await bobWs.waitFor<MessageFrame>((f) => f.type === 'message' && f.client_msg_id === cmid, 'the message with its attachment');
      expect(got.body).toEqual({ text: 'over the socket', attachments: [{ id, content_type: 'image/png', size: image.length, thumbnail: true }] });

      const bad = randomUUID();
      aliceWs.send({ type: 'send', conversation_id: group.id, client_msg_id: bad, body: { text: 'nope', attachments: [{ id: randomUUID() }] } });
      const err = await aliceWs.waitFor<ErrorFrame>((f) => f.type === 'error' && f.client_msg_id === bad, 'the refusal');
      expect(err.code).toBe('VALIDATION_FAILED');
    } finally {
      await closeAll([aliceWs, bobWs]);
    }
  });

  e2eTest('a forged or expired signature is refused', async () => {
    const { alice, bob, group } = await setup();
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(500, 0x20)]);
    const id = await sdk(alice).uploadAttachment(group.id, bytes, 'application/pdf');
    await sdk(alice).sendMessage(group.id, randomUUID(), 'a document', { attachments: [id] });
    const urls = (await rest<AttachmentDownloadDto>(parley.current.baseUrl, 'GET', `/v1/conversations/${group.id}/attachments/${id}`, { token: bob.accessToken })).body;
    expect(urls.thumbnail).toBeNull();
    // Standalone serves its files itself; the mesh hands out the S3 server's presigned URLs.
    if ((process.env.PARLEY_E2E_TARGET ?? 'standalone') === 'mesh') expect(urls.download.url).toMatch(/^https?:\/\/[^/]+\/[^/]+\/files\/.*X-Amz-Signature=/);
    else expect(urls.download.url).toMatch(/^\/v1\/files\/files\/.*&sig=/);
    const good = await fetch(absolute(urls.download.url));
    expect(good.status).toBe(200);
    expect(Buffer.from(await good.arrayBuffer()).equals(bytes)).toBe(true);

    // One character of the signature changed, or the path pointed at another file: refused.
    const url = new URL(absolute(urls.download.url));
    const sigParam = url.searchParams.has('sig') ? 'sig' : 'X-Amz-Signature';
    const sig = url.searchParams.get(sigParam) ?? '';
    const forged = new URL(url);
    forged.searchParams.set(sigParam, (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    expect((await fetch(forged)).status).toBe(403);
    const elsewhere = new URL(url);
    elsewhere.pathname = url.pathname.replace(id, randomUUID());
    expect((await fetch(elsewhere)).status).toBe(403);

    // After its lifetime the same URL is refused.
    await new Promise((r) => setTimeout(r, (DOWNLOAD_TTL_SECONDS + 1.5) * 1000));
    expect((await fetch(url)).status).toBe(403);
  });

  e2eTest('wrong magic bytes, an oversize file and someone else\'s upload are refused at send; nothing is stored', async () => {
    const { baseUrl } = parley.current;
    const { alice, bob, group } = await setup();
    const send = (u: TestUser, ids: string[]) =>
      rest<WireError>(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, { token: u.accessToken, json: { client_msg_id: randomUUID(), body: { text: 'look', attachments: ids.map((i) => ({ id: i })) } } });

    // Declared a PNG, uploaded text: the bytes decide.
    const fake = await sdk(alice).uploadAttachment(group.id, Buffer.from('just some text, not an image at all'), 'image/png');
    const wrong = await send(alice, [fake]);
    expect({ status: wrong.status, code: wrong.body.error.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(wrong.body.error.message).toMatch(/not image\/png/);

    // Over the limit: refused when asking for the URL; more bytes than declared: refused by the store.
    const big = await rest<WireError>(baseUrl, 'POST', `/v1/conversations/${group.id}/attachments`, { token: alice.accessToken, json: { content_type: 'image/png', size: MAX_BYTES + 1 } });
    expect({ status: big.status, code: big.body.error.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const small = await sdk(alice).createAttachment(group.id, 'image/png', 100);
    const image = await png(200, 200);
    expect(image.length).toBeGreaterThan(100);
    const put = await fetch(absolute(small.upload.url), { method: 'PUT', headers: small.upload.headers, body: new Uint8Array(image) });
    expect(put.ok).toBe(false);
    const notUploaded = await send(alice, [small.attachment.id]);
    expect({ status: notUploaded.status, code: notUploaded.body.error.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });

    // Bob cannot send Alice's upload; an unknown type is refused up front.
    const hers = await sdk(alice).uploadAttachment(group.id, await png(10, 10), 'image/png');
    const stolen = await send(bob, [hers]);
    expect({ status: stolen.status, code: stolen.body.error.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const exe = await rest<WireError>(baseUrl, 'POST', `/v1/conversations/${group.id}/attachments`, { token: alice.accessToken, json: { content_type: 'application/x-msdownload', size: 10 } });
    expect(exe.status).toBe(400);

    const history = await sdk(alice).history(group.id, { after_seq: 0 });
    expect(history.messages).toEqual([]);
  });
});
