import { validationFailed } from '@parley/domain';
import { CodeChannel } from '@parley/ports';
import { E164_PATTERN, EMAIL_MAX, EMAIL_PATTERN } from '@parley/protocol';

/** E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
const E164 = new RegExp(E164_PATTERN);
/** A deliberately plain address: no spaces, quotes, angle brackets or control characters (no header injection). */
const EMAIL = new RegExp(EMAIL_PATTERN);

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
  if (raw.length > EMAIL_MAX || !EMAIL.test(raw)) throw validationFailed('destination must be an e-mail address');
  return raw.toLowerCase();
}
