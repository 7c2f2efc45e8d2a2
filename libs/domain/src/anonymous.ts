/**
 * Anonymous participants (issue 14 item 2, docs/adr/0016-anonymous-participants.md): the pure
 * parts. A participant id is `p-` and 16 random base32 characters (80 bits), drawn, never derived
 * from the user id, so two pseudonyms of one person share nothing.
 */
export type AnonymousMode = 'off' | 'allowed';
export const ANONYMOUS_MODES: readonly AnonymousMode[] = ['off', 'allowed'];

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const PARTICIPANT_ID = /^p-[a-z2-7]{16}$/;

/** Whether an id names a participant (pseudonym) rather than a user (user ids are UUIDs). */
export const isParticipantId = (id: string): boolean => PARTICIPANT_ID.test(id);

/** A uniform random integer in [0, maxExclusive): the caller passes a cryptographic one (node:crypto's randomInt). */
export type RandomInt = (maxExclusive: number) => number;

export function newParticipantId(random: RandomInt): string {
  let s = 'p-';
  for (let i = 0; i < 16; i++) s += BASE32[random(32)];
  return s;
}

const ADJECTIVES = ['Quiet', 'Brave', 'Calm', 'Swift', 'Bright', 'Gentle', 'Bold', 'Clever', 'Kind', 'Merry', 'Silent', 'Wise', 'Lucky', 'Sunny', 'Misty', 'Amber'];
const ANIMALS = ['Heron', 'Otter', 'Fox', 'Lynx', 'Wren', 'Badger', 'Falcon', 'Hare', 'Owl', 'Seal', 'Robin', 'Marten', 'Crane', 'Finch', 'Bison', 'Koala'];

/** A generated display name, e.g. "Quiet Heron 4821": no part of it comes from the account. */
export function newAnonymousName(random: RandomInt): string {
  return `${ADJECTIVES[random(ADJECTIVES.length)]} ${ANIMALS[random(ANIMALS.length)]} ${1000 + random(9000)}`;
}

/**
 * Whether a participant who left at `leftAt` (ISO, or null while still a member) may take the same
 * pseudonym back at `now`: within the rejoin window, inclusive.
 */
export function withinRejoinWindow(leftAt: string | null, now: number, windowSeconds: number): boolean {
  if (leftAt === null) return true;
  return now - Date.parse(leftAt) <= windowSeconds * 1000;
}
