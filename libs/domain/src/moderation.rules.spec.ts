import { DomainError } from './errors';
import { Conversation, Membership, Rank } from './model';
import { assertAdmin, assertCanChangeRank, assertCanModerate, assertModerator, roleOf, sendRefusal, muteRefusal } from './moderation.rules';
import { assertCanAddMembers, assertCanRemoveMember } from './membership.rules';
import { moderates } from './message-lifecycle.rules';

const group: Conversation = { id: 'c', type: 'group', title: 't', created_at: '2026-01-01T00:00:00.000Z', member_count: 4, last_seq: 0, last_activity_at: '2026-01-01T00:00:00.000Z' };
const direct: Conversation = { ...group, type: 'direct', title: null };
const m = (user_id: string, role: Rank): Membership => ({ conversation_id: 'c', user_id, role, joined_at: '2026-01-01T00:00:00.000Z', last_read_seq: 0 });
const owner = m('o', 'owner');
const admin = m('a', 'admin');
const mod = m('d', 'moderator');
const member = m('u', 'member');

const codeOf = (f: () => void): string | null => {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
};

describe('moderation rules (issue 13.4)', () => {
  it('maps ranks onto the v1 role: owners and admins are admin', () => {
    expect([owner, admin, mod, member].map((x) => roleOf(x.role))).toEqual(['admin', 'admin', 'member', 'member']);
    expect([owner, admin, mod, member].map((x) => moderates(x.role))).toEqual([true, true, true, false]);
  });

  it('moderators and above act only on strictly lower ranks, never on themselves, only in groups', () => {
    expect(codeOf(() => assertCanModerate(group, mod, 'u', member))).toBeNull();
    expect(codeOf(() => assertCanModerate(group, owner, 'a', admin))).toBeNull();
    expect(codeOf(() => assertCanModerate(group, mod, 'd2', m('d2', 'moderator')))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanModerate(group, admin, 'o', owner))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanModerate(group, member, 'u2', m('u2', 'member')))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanModerate(group, admin, 'a', admin))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanModerate(direct, owner, 'u', member))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanModerate(group, mod, 'stranger', null))).toBeNull();
    expect(codeOf(() => assertModerator(group, mod))).toBeNull();
    expect(codeOf(() => assertModerator(group, member))).toBe('FORBIDDEN');
    expect(codeOf(() => assertAdmin(group, mod))).toBe('FORBIDDEN');
    expect(codeOf(() => assertAdmin(group, admin))).toBeNull();
  });

  it('rank changes: above the target and the new rank; an owner names owners; oneself only down; the last owner stays', () => {
    expect(codeOf(() => assertCanChangeRank(group, owner, member, 'admin', 1))).toBeNull();
    expect(codeOf(() => assertCanChangeRank(group, owner, admin, 'owner', 1))).toBeNull();
    expect(codeOf(() => assertCanChangeRank(group, admin, member, 'moderator', 1))).toBeNull();
    expect(codeOf(() => assertCanChangeRank(group, admin, member, 'admin', 1))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanChangeRank(group, admin, m('a2', 'admin'), 'member', 1))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanChangeRank(group, mod, member, 'moderator', 1))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanChangeRank(group, admin, owner, 'member', 1))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanChangeRank(group, admin, admin, 'member', 1))).toBeNull();
    expect(codeOf(() => assertCanChangeRank(group, mod, mod, 'admin', 1))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanChangeRank(group, owner, owner, 'admin', 1))).toBe('CONFLICT');
    expect(codeOf(() => assertCanChangeRank(group, owner, owner, 'admin', 2))).toBeNull();
    expect(codeOf(() => assertCanChangeRank(direct, owner, member, 'admin', 1))).toBe('FORBIDDEN');
  });

  it('adding and removing members follow the ranks (an admin cannot remove the owner or another admin)', () => {
    expect(codeOf(() => assertCanAddMembers(group, owner))).toBeNull();
    expect(codeOf(() => assertCanAddMembers(group, admin))).toBeNull();
    expect(codeOf(() => assertCanAddMembers(group, mod))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanRemoveMember(group, admin, 'u', member))).toBeNull();
    expect(codeOf(() => assertCanRemoveMember(group, admin, 'o', owner))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanRemoveMember(group, admin, 'a2', m('a2', 'admin')))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanRemoveMember(group, mod, 'u', member))).toBe('FORBIDDEN');
    expect(codeOf(() => assertCanRemoveMember(group, owner, 'o', owner))).toBeNull();
  });

  describe('sendRefusal', () => {
    const now = Date.parse('2026-12-05T00:00:00.000Z');
    const gate = { rank: 'member' as Rank, muted_until: null, slow_mode_seconds: 0, announcement: false };

    it('lets an ordinary send through', () => {
      expect(sendRefusal(gate, now, now - 1)).toBeNull();
    });

    it('announcement conversations take admins and owners only', () => {
      expect(sendRefusal({ ...gate, announcement: true }, now, undefined)?.code).toBe('ANNOUNCEMENT_ONLY');
      expect(sendRefusal({ ...gate, announcement: true, rank: 'moderator' }, now, undefined)?.code).toBe('ANNOUNCEMENT_ONLY');
      expect(sendRefusal({ ...gate, announcement: true, rank: 'admin' }, now, undefined)).toBeNull();
    });

    it('a mute refuses until it ends, with the seconds left rounded up', () => {
      expect(sendRefusal({ ...gate, muted_until: new Date(now + 90_500).toISOString() }, now, undefined)).toEqual({ code: 'MUTED', message: expect.any(String), retry_after: 91 });
      expect(sendRefusal({ ...gate, muted_until: new Date(now - 1).toISOString() }, now, undefined)).toBeNull();
      expect(muteRefusal(new Date(now + 1000).toISOString(), now)?.retry_after).toBe(1);
      expect(muteRefusal(null, now)).toBeNull();
    });

    it('slow mode: one message per N seconds per member; moderators are exempt', () => {
      const slow = { ...gate, slow_mode_seconds: 30 };
      expect(sendRefusal(slow, now, undefined)).toBeNull();
      expect(sendRefusal(slow, now, now - 10_000)).toEqual({ code: 'SLOW_MODE', message: expect.any(String), retry_after: 20 });
      expect(sendRefusal(slow, now, now - 30_000)).toBeNull();
      expect(sendRefusal({ ...slow, rank: 'moderator' }, now, now - 1)).toBeNull();
    });
  });
});
