import { validationFailed } from '@parley/domain';
import { charLength, Limits } from '@parley/protocol';

export interface RegisterCommand {
  /** Lower case, checked against the contract's pattern. */
  username: string;
  password: string;
  displayName: string;
}

/**
 * The username in its one stored form (lower case), or null when it cannot be a username.
 * Long input is refused before it is copied.
 */
export function normalizeUsername(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 32) return null;
  const lower = raw.toLowerCase();
  return Limits.USERNAME_RE.test(lower) ? lower : null;
}

/** Checks a password's type and bounds; the upper bound also caps the hashing work. */
export function checkPassword(raw: unknown): string {
  if (typeof raw !== 'string') throw validationFailed('password must be a string');
  if (raw.length > Limits.PASSWORD_MAX * 2 || charLength(raw) > Limits.PASSWORD_MAX) {
    throw validationFailed(`password must be at most ${Limits.PASSWORD_MAX} characters`);
  }
  return raw;
}

export function checkRegistration(input: { username: unknown; password: unknown; display_name?: unknown }): RegisterCommand {
  const username = normalizeUsername(input.username);
  if (username === null) throw validationFailed('username must be 3 to 32 of a-z 0-9 _ . -');
  const password = checkPassword(input.password);
  if (charLength(password) < Limits.PASSWORD_MIN) throw validationFailed(`password must be at least ${Limits.PASSWORD_MIN} characters`);
  return { username, password, displayName: checkDisplayName(input.display_name) ?? username };
}

function checkDisplayName(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw validationFailed('display_name must be a string');
  const trimmed = raw.trim();
  const n = charLength(trimmed);
  if (n === 0) throw validationFailed('display_name must not be empty');
  if (n > Limits.DISPLAY_NAME_MAX) throw validationFailed(`display_name must be at most ${Limits.DISPLAY_NAME_MAX} characters`);
  return trimmed;
}
