import { CloseCode, shouldReconnect } from './constants';
import { parseServerFrame } from './server-frame.parser';

const parse = (o: unknown) => parseServerFrame(JSON.stringify(o));

describe('parseServerFrame', () => {
  it('reads a persisted ack and a message', () => {
    expect(parse({ type: 'ack', client_msg_id: 'k', conversation_id: 'c', status: 'persisted', seq: 3, message_id: 'm', created_at: 't' })).toEqual({
      ok: true,
      value: { type: 'ack', client_msg_id: 'k', conversation_id: 'c', status: 'persisted', seq: 3, message_id: 'm', created_at: 't' },
    });
    const message = { id: 'm', conversation_id: 'c', seq: 1, sender_id: 'u', client_msg_id: 'k', body: { text: 'hi' }, created_at: 't' };
    expect(parse({ type: 'message', ...message })).toEqual({ ok: true, value: { type: 'message', ...message } });
  });

  it('reads a read receipt as a count', () => {
    expect(parse({ type: 'read', conversation_id: 'c', seq: 4, read_by: 7 })).toEqual({
      ok: true,
      value: { type: 'read', conversation_id: 'c', seq: 4, read_by: 7 },
    });
  });

  it('rejects malformed or unknown frames', () => {
    expect(parse({ type: 'message', id: 'm', seq: '1' }).ok).toBe(false);
    expect(parse({ type: 'ack', client_msg_id: 'k', conversation_id: 'c', status: 'persisted' }).ok).toBe(false);
    expect(parse({ type: 'bogus' }).ok).toBe(false);
    expect(parse([1]).ok).toBe(false);
    expect(parseServerFrame('nope').ok).toBe(false);
  });
});

describe('shouldReconnect', () => {
  it('says what to do after each close code', () => {
    expect(shouldReconnect(CloseCode.TOKEN_EXPIRED_OR_REVOKED)).toBe('refresh-token');
    expect(shouldReconnect(CloseCode.POLICY)).toBe('stop');
    expect(shouldReconnect(CloseCode.TOO_BIG)).toBe('stop');
    for (const code of [4408, 4429, 1001, 1006]) expect(shouldReconnect(code)).toBe('backoff');
  });
});
