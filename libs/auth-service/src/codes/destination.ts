import { validationFailed } from '@parley/domain';
import { CodeChannel } from '@parley/ports';

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;
/** A deliberately plain address: no spaces, quotes, angle brackets or control characters (no header injection). */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * The one stored form of a destination, or a VALIDATION_FAILED: phone numbers as E.164, e-mail
 * addresses lower-cased whole (mailbox names are case-insensitive in practice; one form means one
 * identity per mailbox).
 */
export function normalizeDestination(channel: CodeChannel, raw: string): string {
  if (channel === 'sms') {
    if (!E164.test(raw)) throw validationFailed('destination must be a phone number in E.164 form, e.g. +447700900123');
    return raw;
  }
  if (raw.length > 254 || !EMAIL.test(raw)) throw validationFailed('destination must be an e-mail address');
  return raw.toLowerCase();
}
