import { MAX_MENTIONS, mentionedUsernames } from './mentions';

describe('mentionedUsernames', () => {
  it('finds @names at word starts, lower-cased and distinct', () => {
    expect(mentionedUsernames('hi @Alice and @bob.smith, @alice again.')).toEqual(['alice', 'bob.smith']);
    expect(mentionedUsernames('@carol: look')).toEqual(['carol']);
  });

  it('ignores e-mail addresses, short names and texts without @', () => {
    expect(mentionedUsernames('mail me at dan@example.com')).toEqual([]);
    expect(mentionedUsernames('@ab is too short')).toEqual([]);
    expect(mentionedUsernames('no mentions')).toEqual([]);
  });

  it('stops at the bound', () => {
    const text = Array.from({ length: 30 }, (_, i) => `@user${i}`).join(' ');
    expect(mentionedUsernames(text)).toHaveLength(MAX_MENTIONS);
  });
});
