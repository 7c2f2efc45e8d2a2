import { parseClientFrame } from './client-frame.parser';
import { Limits } from './constants';

const frame = (o: unknown) => parseClientFrame(JSON.stringify(o));
const send = (extra: Record<string, unknown> = {}) => ({
  type: 'send',
  conversation_id: 'c1',
  client_msg_id: 'm1',
  body: { text: 'hi' },
  ...extra,
});

describe('parseClientFrame', () => {
  it('accepts each client frame type and drops unknown fields', () => {
    expect(frame({ ...send(), extra: 1 })).toEqual({
      ok: true,
      value: { type: 'send', conversation_id: 'c1', client_msg_id: 'm1', body: { text: 'hi' } },
    });
    expect(frame({ type: 'sync', conversation_id: 'c1', after_seq: 0 })).toEqual({
      ok: true,
      value: { type: 'sync', conversation_id: 'c1', after_seq: 0 },
    });
    expect(frame({ type: 'sync', conversation_id: 'c1', after_seq: 7, limit: 500 })).toEqual({
      ok: true,
      value: { type: 'sync', conversation_id: 'c1', after_seq: 7, limit: 500 },
    });
    expect(frame({ type: 'typing', conversation_id: 'c1', state: 'stop' })).toEqual({
      ok: true,
      value: { type: 'typing', conversation_id: 'c1', state: 'stop' },
    });
    expect(frame({ type: 'read', conversation_id: 'c1', seq: 3 })).toEqual({
      ok: true,
      value: { type: 'read', conversation_id: 'c1', seq: 3 },
    });
    expect(frame({ type: 'ping' })).toEqual({ ok: true, value: { type: 'ping' } });
    expect(frame({ type: 'ping', nonce: 'abc' })).toEqual({ ok: true, value: { type: 'ping', nonce: 'abc' } });
    expect(frame({ type: 'ping', nonce: 42 })).toEqual({ ok: true, value: { type: 'ping', nonce: 42 } });
  });

  it.each([
    ['not JSON', '{"type":'],
    ['an array', '[1,2]'],
    ['a number', '42'],
    ['null', 'null'],
    ['a string', '"send"'],
    ['no type', '{"conversation_id":"c1"}'],
    ['an unknown type', '{"type":"subscribe"}'],
  ])('rejects a frame that is %s', (_name, text) => {
    const r = parseClientFrame(text);
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.message.length).toBeGreaterThan(0);
  });

  it.each<[string, Record<string, unknown>]>([
    ['missing conversation_id', { conversation_id: undefined }],
    ['numeric conversation_id', { conversation_id: 5 }],
    ['empty conversation_id', { conversation_id: '' }],
    ['missing body', { body: undefined }],
    ['body as a string', { body: 'hi' }],
    ['empty text', { body: { text: '' } }],
    ['numeric text', { body: { text: 12 } }],
    ['oversized text', { body: { text: 'x'.repeat(Limits.TEXT_MAX_CHARS + 1) } }],
    ['oversized client_msg_id', { client_msg_id: 'k'.repeat(Limits.CLIENT_MSG_ID_MAX + 1) }],
    ['empty client_msg_id', { client_msg_id: '' }],
  ])('rejects a send with %s and echoes its string client_msg_id', (_name, patch) => {
    const r = frame(send(patch));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.client_msg_id).toBe(typeof patch.client_msg_id === 'string' ? patch.client_msg_id : 'm1');
  });

  it('keeps a send\'s attachment ids (attachments extension) and nothing else of them; refuses bad ones', () => {
    const ok = frame(send({ body: { text: 'hi', attachments: [{ id: 'a-1', name: 'x' }] } }));
    expect(ok).toEqual({ ok: true, value: { type: 'send', conversation_id: 'c1', client_msg_id: 'm1', body: { text: 'hi', attachments: [{ id: 'a-1' }] } } });
    expect(frame(send({ body: { text: 'hi', attachments: [] } }))).toEqual({ ok: true, value: { type: 'send', conversation_id: 'c1', client_msg_id: 'm1', body: { text: 'hi' } } });
    for (const attachments of [[{ id: '../x' }], [{}], 'a-1', Array.from({ length: Limits.ATTACHMENTS_MAX + 1 }, (_, i) => ({ id: `a${i}` }))]) {
      expect(frame(send({ body: { text: 'hi', attachments } }))).toMatchObject({ ok: false, client_msg_id: 'm1' });
    }
  });

  it('echoes nothing when the send had no string client_msg_id', () => {
    const r = frame(send({ client_msg_id: 7 }));
    expect(r).toEqual({ ok: false, message: expect.any(String) });
  });

  it('counts text in code points: 4000 emoji pass, 4001 fail', () => {
    const emoji = '\u{1F600}';
    expect(frame(send({ body: { text: emoji.repeat(Limits.TEXT_MAX_CHARS) } })).ok).toBe(true);
    expect(frame(send({ body: { text: emoji.repeat(Limits.TEXT_MAX_CHARS + 1) } })).ok).toBe(false);
  });

  it.each([
    ['negative', -1],
    ['a float', 1.5],
    ['a string', '3'],
    ['unsafe', Number.MAX_SAFE_INTEGER + 2],
    ['missing', undefined],
  ])('rejects a seq that is %s', (_name, seq) => {
    expect(frame({ type: 'read', conversation_id: 'c1', seq }).ok).toBe(false);
    expect(frame({ type: 'sync', conversation_id: 'c1', after_seq: seq }).ok).toBe(false);
  });

  it('rejects NaN smuggled as a non-JSON literal', () => {
    expect(parseClientFrame('{"type":"read","conversation_id":"c1","seq":NaN}').ok).toBe(false);
  });

  it.each([0, 501, 2.5, '10'])('rejects sync limit %p', (limit) => {
    expect(frame({ type: 'sync', conversation_id: 'c1', after_seq: 0, limit }).ok).toBe(false);
  });

  it('rejects a typing state other than start or stop', () => {
    expect(frame({ type: 'typing', conversation_id: 'c1', state: 'typing' }).ok).toBe(false);
    expect(frame({ type: 'typing', conversation_id: 'c1' }).ok).toBe(false);
  });

  it('rejects a ping nonce that is too long or not a string or number', () => {
    expect(frame({ type: 'ping', nonce: 'n'.repeat(Limits.NONCE_MAX + 1) }).ok).toBe(false);
    expect(frame({ type: 'ping', nonce: { a: 1 } }).ok).toBe(false);
    expect(frame({ type: 'ping', nonce: true }).ok).toBe(false);
  });
});

describe('frames with text no store keeps faithfully', () => {
  it.each(['a\u0000b', '\uD800', 'x\uDFFF'])('refuses %j in text, client_msg_id, conversation_id and nonce', (s) => {
    expect(parseClientFrame(JSON.stringify({ type: 'send', conversation_id: 'c1', client_msg_id: 'm1', body: { text: s } })).ok).toBe(false);
    expect(parseClientFrame(JSON.stringify({ type: 'send', conversation_id: 'c1', client_msg_id: s, body: { text: 'hi' } })).ok).toBe(false);
    expect(parseClientFrame(JSON.stringify({ type: 'typing', conversation_id: s, state: 'start' })).ok).toBe(false);
    expect(parseClientFrame(JSON.stringify({ type: 'ping', nonce: s })).ok).toBe(false);
  });

  it('accepts the lifecycle frames and reply_to (issue 13), and names the client_msg_id of a bad one', () => {
    expect(frame(send({ reply_to: 3 }))).toEqual({ ok: true, value: { type: 'send', conversation_id: 'c1', client_msg_id: 'm1', body: { text: 'hi' }, reply_to: 3 } });
    expect(frame(send({ reply_to: null }))).toEqual({ ok: true, value: { type: 'send', conversation_id: 'c1', client_msg_id: 'm1', body: { text: 'hi' } } });
    expect(frame({ type: 'edit', conversation_id: 'c1', seq: 2, client_msg_id: 'e1', body: { text: 'new' }, x: 1 })).toEqual({
      ok: true,
      value: { type: 'edit', conversation_id: 'c1', seq: 2, client_msg_id: 'e1', body: { text: 'new' } },
    });
    expect(frame({ type: 'delete', conversation_id: 'c1', seq: 2, client_msg_id: 'd1' })).toEqual({ ok: true, value: { type: 'delete', conversation_id: 'c1', seq: 2, client_msg_id: 'd1' } });
    expect(frame({ type: 'react', conversation_id: 'c1', seq: 2, client_msg_id: 'r1', emoji: '👍🏽', action: 'remove' })).toEqual({
      ok: true,
      value: { type: 'react', conversation_id: 'c1', seq: 2, client_msg_id: 'r1', emoji: '👍🏽', action: 'remove' },
    });
    for (const bad of [
      send({ reply_to: 0 }),
      { type: 'edit', conversation_id: 'c1', seq: 0, client_msg_id: 'x', body: { text: 'new' } },
      { type: 'edit', conversation_id: 'c1', seq: 1, client_msg_id: 'x', body: { text: '' } },
      { type: 'delete', conversation_id: 'c1', seq: 1.5, client_msg_id: 'x' },
      { type: 'react', conversation_id: 'c1', seq: 1, client_msg_id: 'x', emoji: 'a b', action: 'add' },
      { type: 'react', conversation_id: 'c1', seq: 1, client_msg_id: 'x', emoji: 'x'.repeat(Limits.EMOJI_MAX + 1), action: 'add' },
      { type: 'react', conversation_id: 'c1', seq: 1, client_msg_id: 'x', emoji: 'ok', action: 'toggle' },
    ]) {
      const r = frame(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.client_msg_id).toBe(bad.client_msg_id);
    }
  });
});
