import { invalid, ok, Result } from './result';
import { EmailCodeRequestBody, EmailCodeVerifyBody, SmsCodeRequestBody, SmsCodeVerifyBody } from './schema/code-bodies.schema';
import { check } from './schema/validate';

export { E164_PATTERN, EMAIL_MAX, EMAIL_PATTERN } from './schema/code-bodies.schema';

/** Validators of the one-time-code sign-in bodies, on their schemas (one per channel). */

export type CodeChannelValue = 'sms' | 'email';

export interface CodeRequestInput {
  channel: CodeChannelValue;
  destination: string;
}

export interface CodeVerifyInput extends CodeRequestInput {
  code: string;
}

const channelOf = (input: unknown): unknown => (typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>).channel : undefined);

const notAChannel = <T>(input: unknown): Result<T> => invalid<T>(typeof input === 'object' && input !== null && !Array.isArray(input) ? 'body.channel must be one of sms, email' : 'body must be a JSON object');

export const validateCodeRequest = (input: unknown): Result<CodeRequestInput> => {
  const channel = channelOf(input);
  if (channel !== 'sms' && channel !== 'email') return notAChannel(input);
  const r = channel === 'sms' ? check(SmsCodeRequestBody, input, 'body') : check(EmailCodeRequestBody, input, 'body');
  return r.ok ? ok({ channel: r.value.channel, destination: r.value.destination }) : invalid(r.message);
};

export const validateCodeVerify = (input: unknown): Result<CodeVerifyInput> => {
  const channel = channelOf(input);
  if (channel !== 'sms' && channel !== 'email') return notAChannel(input);
  const r = channel === 'sms' ? check(SmsCodeVerifyBody, input, 'body') : check(EmailCodeVerifyBody, input, 'body');
  return r.ok ? ok({ channel: r.value.channel, destination: r.value.destination, code: r.value.code }) : invalid(r.message);
};
