import { CodeDelivery, CodeMessage, CodeSender } from '../code-sender.port';

/**
 * Standalone's development sender: writes the code to the log instead of sending it, so
 * `npm start` can try code sign-in without an SMS or mail account. Development only: the
 * configuration refuses it in mesh mode, and it warns on every code it writes.
 */
export class DevLogCodeSender implements CodeSender {
  readonly name = 'dev-log';
  /** The codes written so far (bounded), newest last: what the dev page or a unit test reads. */
  readonly sent: CodeMessage[] = [];

  constructor(private readonly log: (message: string, fields: Record<string, unknown>) => void) {}

  async send(message: CodeMessage): Promise<CodeDelivery> {
    this.sent.push({ ...message });
    if (this.sent.length > 100) this.sent.shift();
    this.log('DEV ONLY: one-time sign-in code (not sent; PARLEY_OTP_*_PROVIDER=dev-log)', { channel: message.channel, to: message.to, code: message.code });
    return { status: 'sent' };
  }

  async close(): Promise<void> {}
}
