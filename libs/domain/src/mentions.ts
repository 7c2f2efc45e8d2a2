/** At most this many distinct `@username` mentions of one message are resolved. */
export const MAX_MENTIONS = 20;

const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})/g;

/**
 * The usernames a text mentions (`@alice`), lower-cased, distinct, in order of appearance, at
 * most MAX_MENTIONS. `a@b.com` is not a mention (the @ must start a word); a trailing `.` is
 * punctuation, not part of the name.
 */
export function mentionedUsernames(text: string): string[] {
  if (!text.includes('@')) return [];
  const names: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    const name = m[2].replace(/[.-]+$/, '').toLowerCase();
    if (name.length >= 3 && !names.includes(name)) names.push(name);
    if (names.length === MAX_MENTIONS) break;
  }
  return names;
}
