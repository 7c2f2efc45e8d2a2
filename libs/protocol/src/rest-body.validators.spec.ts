import { Limits } from './constants';
import {
  validateAddMembers,
  validateCreateConversation,
  validateLogin,
  validateReadMarker,
  validateRefresh,
  validateRegister,
  validateDeleteMessage,
  validateEditMessage,
  validateReaction,
  validateSendMessage,
} from './rest-body.validators';

const notObjects: unknown[] = [null, undefined, 42, 'body', [], [{ username: 'alice' }], true];

describe('validateRegister', () => {
  it('lower-cases the username and keeps only known fields', () => {
    expect(validateRegister({ username: 'Alice_1', password: 'password1', extra: true })).toEqual({
      ok: true,
      value: { username: 'alice_1', password: 'password1' },
    });
  });

  it('trims display_name', () => {
    expect(validateRegister({ username: 'bob', password: 'password1', display_name: '  Bob  ' })).toEqual({
      ok: true,
      value: { username: 'bob', password: 'password1', display_name: 'Bob' },
    });
  });

  it.each([
    ['too short', { username: 'ab', password: 'password1' }],
    ['too long', { username: 'a'.repeat(33), password: 'password1' }],
    ['bad characters', { username: 'al ice', password: 'password1' }],
    ['numeric username', { username: 123, password: 'password1' }],
    ['missing username', { password: 'password1' }],
    ['short password', { username: 'alice', password: 'short' }],
    ['long password', { username: 'alice', password: 'p'.repeat(Limits.PASSWORD_MAX + 1) }],
    ['numeric password', { username: 'alice', password: 12345678 }],
    ['blank display_name', { username: 'alice', password: 'password1', display_name: '   ' }],
    ['long display_name', { username: 'alice', password: 'password1', display_name: 'd'.repeat(Limits.DISPLAY_NAME_MAX + 1) }],
    ['numeric display_name', { username: 'alice', password: 'password1', display_name: 5 }],
  ])('rejects %s', (_name, body) => {
    expect(validateRegister(body).ok).toBe(false);
  });

  it.each(notObjects)('rejects a body of %p', (body) => {
    expect(validateRegister(body)).toEqual({ ok: false, message: 'body must be a JSON object' });
  });
});

describe('validateLogin and validateRefresh', () => {
  it('accepts well-typed credentials and lower-cases the username', () => {
    expect(validateLogin({ username: 'ALICE', password: 'x' })).toEqual({ ok: true, value: { username: 'alice', password: 'x' } });
    expect(validateRefresh({ refresh_token: 'tok' })).toEqual({ ok: true, value: { refresh_token: 'tok' } });
  });

  it('rejects wrong types and missing fields', () => {
    expect(validateLogin({ username: 'alice' }).ok).toBe(false);
    expect(validateLogin({ username: ['alice'], password: 'x' }).ok).toBe(false);
    expect(validateLogin([]).ok).toBe(false);
    expect(validateRefresh({}).ok).toBe(false);
    expect(validateRefresh({ refresh_token: 1 }).ok).toBe(false);
    expect(validateRefresh({ refresh_token: 't'.repeat(Limits.TOKEN_MAX + 1) }).ok).toBe(false);
  });
});

describe('validateCreateConversation', () => {
  it('accepts a direct conversation with one member', () => {
    expect(validateCreateConversation({ type: 'direct', member_ids: ['u2'] })).toEqual({
      ok: true,
      value: { type: 'direct', member_ids: ['u2'] },
    });
  });

  it('accepts a group with a trimmed title', () => {
    expect(validateCreateConversation({ type: 'group', title: ' Team ', member_ids: ['u2', 'u3'] })).toEqual({
      ok: true,
      value: { type: 'group', title: 'Team', member_ids: ['u2', 'u3'] },
    });
  });

  it.each([
    ['a direct with two members', { type: 'direct', member_ids: ['u2', 'u3'] }],
    ['a direct with none', { type: 'direct', member_ids: [] }],
    ['a direct with a numeric id', { type: 'direct', member_ids: [2] }],
    ['an unknown type', { type: 'channel', member_ids: ['u2'] }],
    ['no type', { member_ids: ['u2'] }],
    ['a group without title', { type: 'group', member_ids: ['u2'] }],
    ['a group with a blank title', { type: 'group', title: '  ', member_ids: [] }],
    ['a group with a long title', { type: 'group', title: 't'.repeat(Limits.TITLE_MAX + 1), member_ids: [] }],
    ['a group whose member_ids is a string', { type: 'group', title: 'x', member_ids: 'u2' }],
    ['a group with too many ids', { type: 'group', title: 'x', member_ids: Array.from({ length: Limits.MEMBER_IDS_MAX + 1 }, (_, i) => `u${i}`) }],
    ['an empty id', { type: 'group', title: 'x', member_ids: [''] }],
  ])('rejects %s', (_name, body) => {
    expect(validateCreateConversation(body).ok).toBe(false);
  });
});

describe('validateAddMembers', () => {
  it('accepts a list of ids', () => {
    expect(validateAddMembers({ user_ids: ['a', 'b'] })).toEqual({ ok: true, value: { user_ids: ['a', 'b'] } });
  });

  it('rejects an empty, oversized or mistyped list', () => {
    expect(validateAddMembers({ user_ids: [] }).ok).toBe(false);
    expect(validateAddMembers({ user_ids: [null] }).ok).toBe(false);
    expect(validateAddMembers({ user_ids: Array.from({ length: Limits.MEMBER_IDS_MAX + 1 }, () => 'u') }).ok).toBe(false);
    expect(validateAddMembers({}).ok).toBe(false);
  });
});

describe('validateSendMessage', () => {
  it('accepts a message and drops unknown fields', () => {
    expect(validateSendMessage({ client_msg_id: 'k', body: { text: 'hello', bold: true }, x: 1 })).toEqual({
      ok: true,
      value: { client_msg_id: 'k', body: { text: 'hello' } },
    });
  });

  it.each([
    ['no body', { client_msg_id: 'k' }],
    ['an array body', { client_msg_id: 'k', body: ['hello'] }],
    ['empty text', { client_msg_id: 'k', body: { text: '' } }],
    ['oversized text', { client_msg_id: 'k', body: { text: 'x'.repeat(Limits.TEXT_MAX_CHARS + 1) } }],
    ['no client_msg_id', { body: { text: 'hi' } }],
    ['a numeric client_msg_id', { client_msg_id: 1, body: { text: 'hi' } }],
  ])('rejects %s', (_name, body) => {
    expect(validateSendMessage(body).ok).toBe(false);
  });
});

describe('validateReadMarker', () => {
  it('accepts a non-negative integer seq', () => {
    expect(validateReadMarker({ seq: 0 })).toEqual({ ok: true, value: { seq: 0 } });
    expect(validateReadMarker({ seq: 12 })).toEqual({ ok: true, value: { seq: 12 } });
  });

  it.each([-1, 1.5, NaN, Infinity, '3', null, undefined])('rejects seq %p', (seq) => {
    expect(validateReadMarker({ seq }).ok).toBe(false);
  });

  it.each(notObjects)('rejects a body of %p', (body) => {
    expect(validateReadMarker(body).ok).toBe(false);
  });
});

describe('text that no store keeps faithfully (NUL, unpaired surrogates) is refused in every field', () => {
  const bad = ['a\u0000b', 'lone \uD800 high', 'lone \uDC00 low', 'reversed \uDC00\uD800'];
  it.each(bad)('%j', (s) => {
    expect(validateSendMessage({ client_msg_id: 'm1', body: { text: s } }).ok).toBe(false);
    expect(validateSendMessage({ client_msg_id: s, body: { text: 'hi' } }).ok).toBe(false);
    expect(validateRegister({ username: 'alice', password: 'password1', display_name: s }).ok).toBe(false);
    expect(validateCreateConversation({ type: 'group', title: s, member_ids: [] }).ok).toBe(false);
    expect(validateCreateConversation({ type: 'direct', member_ids: [s] }).ok).toBe(false);
    expect(validateAddMembers({ user_ids: [s] }).ok).toBe(false);
    expect(validateLogin({ username: s, password: 'password1' }).ok).toBe(false);
  });

  it('keeps paired surrogates (emoji) and counts them as one character', () => {
    const emoji = '\u{1F600}'.repeat(Limits.TEXT_MAX_CHARS);
    expect(validateSendMessage({ client_msg_id: 'm1', body: { text: emoji } })).toEqual({ ok: true, value: { client_msg_id: 'm1', body: { text: emoji } } });
  });
});

describe('issue 13: lifecycle bodies and reply_to', () => {
  it('keeps reply_to on a send when it is a seq, drops a null one, refuses anything else', () => {
    expect(validateSendMessage({ client_msg_id: 'a', body: { text: 'x' }, reply_to: 4 })).toEqual({ ok: true, value: { client_msg_id: 'a', body: { text: 'x' }, reply_to: 4 } });
    expect(validateSendMessage({ client_msg_id: 'a', body: { text: 'x' }, reply_to: null })).toEqual({ ok: true, value: { client_msg_id: 'a', body: { text: 'x' } } });
    for (const reply_to of [0, -1, 1.5, '4']) expect(validateSendMessage({ client_msg_id: 'a', body: { text: 'x' }, reply_to }).ok).toBe(false);
  });

  it('checks edit, delete and reaction bodies', () => {
    expect(validateEditMessage({ client_msg_id: 'e', body: { text: 'new' }, x: 1 })).toEqual({ ok: true, value: { client_msg_id: 'e', body: { text: 'new' } } });
    expect(validateEditMessage({ client_msg_id: 'e', body: { text: 'x'.repeat(Limits.TEXT_MAX_CHARS + 1) } }).ok).toBe(false);
    expect(validateDeleteMessage({ client_msg_id: 'd' })).toEqual({ ok: true, value: { client_msg_id: 'd' } });
    expect(validateDeleteMessage({}).ok).toBe(false);
    expect(validateReaction({ client_msg_id: 'r', emoji: '❤️' })).toEqual({ ok: true, value: { client_msg_id: 'r', emoji: '❤️' } });
    for (const emoji of ['', 'a b', '\u0000', 'x'.repeat(Limits.EMOJI_MAX + 1), 5]) expect(validateReaction({ client_msg_id: 'r', emoji }).ok).toBe(false);
  });
});
