import { Message } from './model';
import { checkDelete, checkEdit, checkLive, checkReplyTarget, moderates, tombstone } from './message-lifecycle.rules';

const msg = (over: Partial<Message> = {}): Message => ({
  id: 'm1', conversation_id: 'c', seq: 1, sender_id: 'bob', client_msg_id: 'k', body: { text: 'hi @carol' }, created_at: 't', ...over,
});
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('message lifecycle rules', () => {
  it('lets only the sender edit, and only a live message', () => {
    expect(codeOf(() => checkEdit(msg(), 'bob'))).toBe('ok');
    expect(codeOf(() => checkEdit(msg(), 'alice'))).toBe('FORBIDDEN');
    expect(codeOf(() => checkEdit(null, 'bob'))).toBe('NOT_FOUND');
    expect(codeOf(() => checkEdit(msg({ kind: 'edit', target_seq: 1 }), 'bob'))).toBe('NOT_FOUND');
    expect(codeOf(() => checkEdit(msg({ deleted_at: 't' }), 'bob'))).toBe('NOT_FOUND');
  });

  it('lets the sender or a moderating role delete', () => {
    expect(codeOf(() => checkDelete(msg(), 'bob', 'member'))).toBe('ok');
    expect(codeOf(() => checkDelete(msg(), 'alice', 'admin'))).toBe('ok');
    expect(codeOf(() => checkDelete(msg(), 'carol', 'member'))).toBe('FORBIDDEN');
    expect(moderates('admin') && moderates('moderator') && !moderates('member')).toBe(true);
  });

  it('replies may target a tombstone but not an entry; reactions need a live message', () => {
    expect(codeOf(() => checkReplyTarget(msg({ deleted_at: 't' })))).toBe('ok');
    expect(codeOf(() => checkReplyTarget(msg({ kind: 'reaction' })))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => checkLive(msg({ deleted_at: 't' })))).toBe('NOT_FOUND');
  });

  it('a tombstone keeps no body, mentions, reactions or edit mark', () => {
    const t = tombstone(msg({ mentions: ['carol'], reactions: [{ emoji: 'x', count: 1 }], edited_at: 't', reply_to: 0 }), 'alice', 'now');
    expect(t).toEqual({ id: 'm1', conversation_id: 'c', seq: 1, sender_id: 'bob', client_msg_id: 'k', body: { text: '' }, created_at: 't', reply_to: 0, deleted_at: 'now', deleted_by: 'alice' });
  });
});
