import { isDomainError } from './errors';
import {
  MAX_MEMBERS_PER_REQUEST,
  assertCanAddMembers,
  assertCanRemoveMember,
  assertMember,
  directPairKey,
  initialMembers,
} from './membership.rules';
import { Conversation, MemberRole, Membership } from './model';

const conversation = (type: 'direct' | 'group'): Conversation => ({
  id: 'conv-1',
  type,
  title: null,
  created_at: '2025-01-01T00:00:00.000Z',
  member_count: 3,
  last_seq: 0,
  last_activity_at: '2025-01-01T00:00:00.000Z',
});

const member = (userId: string, role: MemberRole): Membership => ({
  conversation_id: 'conv-1',
  user_id: userId,
  role,
  joined_at: '2025-01-01T00:00:00.000Z',
  last_read_seq: 0,
});

/** The domain error code `fn` throws, or 'none'. */
function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return isDomainError(e) ? e.code : `non-domain error: ${String(e)}`;
  }
  return 'none';
}

describe('directPairKey', () => {
  it('is the same whichever user asks', () => {
    expect(directPairKey('alice', 'bob')).toBe(directPairKey('bob', 'alice'));
  });

  it('differs for different pairs', () => {
    expect(directPairKey('alice', 'bob')).not.toBe(directPairKey('alice', 'carol'));
  });
});

describe('initialMembers', () => {
  it('puts the creator first and drops duplicates and the creator from the others', () => {
    expect(initialMembers('me', 'group', ['b', 'me', 'a', 'b'])).toEqual(['me', 'b', 'a']);
  });

  it('accepts a direct conversation with exactly one other member', () => {
    expect(initialMembers('me', 'direct', ['you'])).toEqual(['me', 'you']);
    expect(initialMembers('me', 'direct', ['you', 'me', 'you'])).toEqual(['me', 'you']);
  });

  it('rejects a direct conversation with no other member or with two', () => {
    expect(codeOf(() => initialMembers('me', 'direct', []))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => initialMembers('me', 'direct', ['me']))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => initialMembers('me', 'direct', ['a', 'b']))).toBe('VALIDATION_FAILED');
  });

  it('allows a group of the creator alone', () => {
    expect(initialMembers('me', 'group', [])).toEqual(['me']);
  });

  it('bounds the members of one request', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
    expect(initialMembers('me', 'group', ids(MAX_MEMBERS_PER_REQUEST))).toHaveLength(MAX_MEMBERS_PER_REQUEST + 1);
    expect(codeOf(() => initialMembers('me', 'group', ids(MAX_MEMBERS_PER_REQUEST + 1)))).toBe('VALIDATION_FAILED');
  });
});

describe('assertCanAddMembers', () => {
  it('lets a group admin add members', () => {
    expect(codeOf(() => assertCanAddMembers(conversation('group'), member('admin', 'admin')))).toBe('none');
  });

  it('forbids a plain member', () => {
    expect(codeOf(() => assertCanAddMembers(conversation('group'), member('m', 'member')))).toBe('FORBIDDEN');
  });

  it('forbids adding to a direct conversation, even for an admin role', () => {
    expect(codeOf(() => assertCanAddMembers(conversation('direct'), member('a', 'admin')))).toBe('FORBIDDEN');
  });

  it('answers a non-member NOT_FOUND', () => {
    expect(codeOf(() => assertCanAddMembers(conversation('group'), null))).toBe('NOT_FOUND');
  });
});

describe('assertCanRemoveMember', () => {
  it('lets any member remove themself, in a group or a direct conversation', () => {
    expect(codeOf(() => assertCanRemoveMember(conversation('group'), member('m', 'member'), 'm'))).toBe('none');
    expect(codeOf(() => assertCanRemoveMember(conversation('direct'), member('m', 'member'), 'm'))).toBe('none');
  });

  it('lets a group admin remove someone else', () => {
    expect(codeOf(() => assertCanRemoveMember(conversation('group'), member('admin', 'admin'), 'm'))).toBe('none');
  });

  it('forbids a plain member removing someone else', () => {
    expect(codeOf(() => assertCanRemoveMember(conversation('group'), member('m', 'member'), 'other'))).toBe('FORBIDDEN');
  });

  it('forbids removing the other member of a direct conversation', () => {
    expect(codeOf(() => assertCanRemoveMember(conversation('direct'), member('a', 'admin'), 'b'))).toBe('FORBIDDEN');
  });

  it('answers a non-member NOT_FOUND, even for "removing" themself', () => {
    expect(codeOf(() => assertCanRemoveMember(conversation('group'), null, 'someone'))).toBe('NOT_FOUND');
  });
});

describe('assertMember', () => {
  it('passes for a member', () => {
    expect(codeOf(() => assertMember(member('m', 'member')))).toBe('none');
  });

  it('answers a non-member NOT_FOUND, exactly as for an unknown conversation', () => {
    expect(codeOf(() => assertMember(null))).toBe('NOT_FOUND');
  });
});
