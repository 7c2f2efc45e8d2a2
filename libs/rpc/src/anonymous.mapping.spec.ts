import { conversationViewFromWire, memberViewFromWire } from './common.mapping';
import { eventFromWire, eventToWire } from './gateway.mapping';

describe('anonymous participants on the wire (issue 14)', () => {
  it('decodes an anonymous member without a user id, and a named one as before', () => {
    expect(memberViewFromWire({ user_id: '', participant_id: 'p-abcdefghijklmnop', display_name: 'Quiet Heron 4821', role: 'member', rank: 'member', joined_at: 't' }))
      .toEqual({ participant_id: 'p-abcdefghijklmnop', display_name: 'Quiet Heron 4821', role: 'member', rank: 'member', joined_at: 't' });
    expect(memberViewFromWire({ user_id: 'u1', role: 'admin', rank: 'owner', joined_at: 't' })).toEqual({ user_id: 'u1', role: 'admin', rank: 'owner', joined_at: 't' });
  });

  it('carries the conversation mode and the caller pseudonym, and leaves them out when absent', () => {
    const base = { id: 'c1', type: 'group', title: 't', created_at: 't', member_count: 2, last_seq: 0 };
    const me = { role: 'member', rank: 'member', last_read_seq: 0, unread_count: 0 };
    const anon = conversationViewFromWire({ ...base, anonymous: 'allowed', me: { ...me, participant_id: 'p-abcdefghijklmnop' } });
    expect(anon.anonymous).toBe('allowed');
    expect(anon.me.participant_id).toBe('p-abcdefghijklmnop');
    const plain = conversationViewFromWire({ ...base, me });
    expect('anonymous' in plain).toBe(false);
    expect('participant_id' in plain.me).toBe(false);
  });

  it('round-trips the pseudonym of typing and read events', () => {
    const typing = { type: 'typing' as const, conversation_id: 'c1', user_id: 'u1', state: 'start' as const, member_count: 3, participant_id: 'p-abcdefghijklmnop' };
    expect(eventFromWire({ ...eventToWire(typing), event: 'typing' }, 'e')).toEqual(typing);
    const read = { type: 'read.updated' as const, conversation_id: 'c1', user_id: 'u1', seq: 4, member_count: 3 };
    expect(eventFromWire({ ...eventToWire(read), event: 'read_updated' }, 'e')).toEqual(read);
  });
});
