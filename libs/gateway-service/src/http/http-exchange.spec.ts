import { Limits } from '@parley/protocol';
import { bodyLimitOf, MEMBER_LIST_BODY_BYTES } from './http-exchange';

describe('bodyLimitOf', () => {
  it('gives the member-list routes room for MEMBER_IDS_MAX ids of ID_MAX characters', () => {
    const longest = JSON.stringify({ type: 'group', title: 't'.repeat(Limits.TITLE_MAX), member_ids: Array.from({ length: Limits.MEMBER_IDS_MAX }, () => 'i'.repeat(Limits.ID_MAX)) });
    expect(Buffer.byteLength(longest)).toBeGreaterThan(Limits.MAX_REST_BODY_BYTES);
    expect(Buffer.byteLength(longest)).toBeLessThanOrEqual(MEMBER_LIST_BODY_BYTES);
    expect(bodyLimitOf('POST', '/v1/conversations')).toBe(MEMBER_LIST_BODY_BYTES);
    expect(bodyLimitOf('POST', '/v1/conversations/c-1/members')).toBe(MEMBER_LIST_BODY_BYTES);
  });

  it.each([
    ['POST', '/v1/conversations/c-1/messages'],
    ['POST', '/v1/auth/register'],
    ['POST', '/v1/conversations/c-1/read'],
    ['POST', '/v1/conversations/c-1/members/u-1'],
    ['PUT', '/v1/conversations'],
    ['POST', '/v1/conversations/c-1/members/extra'],
  ])('keeps the contract 16 KiB for %s %s', (method, path) => {
    expect(bodyLimitOf(method, path)).toBe(Limits.MAX_REST_BODY_BYTES);
  });
});
