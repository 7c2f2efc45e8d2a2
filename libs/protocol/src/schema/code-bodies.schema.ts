import { Type } from '@sinclair/typebox';

/** The one-time-code sign-in extension's REST bodies (docs/adr/0012). Unknown fields are a 400. */

/** E.164: a plus, a country code not starting with 0, 7 to 15 digits in all. */
export const E164_PATTERN = '^\\+[1-9][0-9]{6,14}$';
/**
 * A deliberately plain e-mail address: an unquoted local part, a dotted host name; no spaces,
 * quotes, angle brackets or control characters (nothing that could inject a mail header).
 */
export const EMAIL_PATTERN = "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";
export const EMAIL_MAX = 254;

const Phone = Type.String({ maxLength: 16, pattern: E164_PATTERN, description: 'a phone number in E.164 form, e.g. +447700900123' });
const Email = Type.String({ maxLength: EMAIL_MAX, pattern: EMAIL_PATTERN, description: 'an e-mail address (matched case-insensitively)' });
const Code = Type.String({ minLength: 6, maxLength: 10, pattern: '^[0-9]{6,10}$', description: 'the 6 to 10 digits received' });

export const SmsCodeRequestBody = Type.Object({ channel: Type.Literal('sms'), destination: Phone }, { $id: 'SmsCodeRequestBody', additionalProperties: false });
export const EmailCodeRequestBody = Type.Object({ channel: Type.Literal('email'), destination: Email }, { $id: 'EmailCodeRequestBody', additionalProperties: false });
export const SmsCodeVerifyBody = Type.Object({ channel: Type.Literal('sms'), destination: Phone, code: Code }, { $id: 'SmsCodeVerifyBody', additionalProperties: false });
export const EmailCodeVerifyBody = Type.Object({ channel: Type.Literal('email'), destination: Email, code: Code }, { $id: 'EmailCodeVerifyBody', additionalProperties: false });
