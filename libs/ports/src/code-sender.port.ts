/**
 * Delivery of one-time sign-in codes (docs/adr/0012-one-time-code-login.md): an SMS provider
 * (Twilio in libs/adapters), an e-mail provider (SMTP in libs/adapters), or standalone's dev-only
 * logging sender. One call delivers one code to one destination; the auth service owns the code,
 * its hash, expiry, attempts and rate limits, and never passes a sender anything else.
 */
export type CodeChannel = 'sms' | 'email';

export const CODE_CHANNELS: readonly CodeChannel[] = ['sms', 'email'];

export interface CodeMessage {
  channel: CodeChannel;
  /** E.164 phone number (sms) or e-mail address (email), already validated and normalized. */
  to: string;
  /** The code in clear: only ever held in memory between generation and this call. */
  code: string;
  /** How long the code is valid, for the text ("valid for 5 minutes"). */
  ttlSeconds: number;
}

export type CodeDelivery =
  | { status: 'sent'; id?: string }
  /** The provider refuses this destination for good (not a phone, unsubscribed, bad address). */
  | { status: 'rejected'; reason: string }
  /** The provider could not take it now (network, 5xx, throttled, bad credentials): try later. */
  | { status: 'unavailable'; reason: string };

export interface CodeSender {
  readonly name: string;
  send(message: CodeMessage): Promise<CodeDelivery>;
  close(): Promise<void>;
}

/** The sender per channel; a channel without one is off (requests for it are a 400). */
export type CodeSenders = Partial<Record<CodeChannel, CodeSender>>;

export const CODE_SENDERS = Symbol('CodeSenders');

/** The text every provider sends (SMS body, e-mail body). */
export function codeText(code: string, ttlSeconds: number): string {
  const minutes = Math.max(1, Math.round(ttlSeconds / 60));
  return `Your Parley sign-in code is ${code}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}. Never share it with anyone.`;
}
