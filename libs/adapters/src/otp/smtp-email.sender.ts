import { CodeDelivery, CodeMessage, CodeSender, codeText } from '@parley/ports';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

export interface SmtpOptions {
  host: string;
  port: number;
  /**
   * `implicit`: TLS from the first byte (port 465); `starttls`: upgrade required, refused when the
   * server does not offer it (587); `none`: plain text (a relay on loopback only).
   */
  tls: 'implicit' | 'starttls' | 'none';
  /** Empty: no AUTH. */
  user: string;
  password: string;
  /** The From address, e.g. `Parley <no-reply@example.com>`. */
  from: string;
  /** Extra CA certificates (PEM) to trust; absent: the system's. */
  ca?: string[];
  /** Connection, greeting and socket timeouts (default 10 s). */
  timeoutMs?: number;
}

/**
 * E-mail through any SMTP server with nodemailer (pooled connections). A permanent refusal of the
 * recipient (5xx to RCPT TO) is `rejected`; everything else that fails is `unavailable`.
 */
export class SmtpEmailSender implements CodeSender {
  readonly name = 'smtp';
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly options: SmtpOptions) {
    if (!options.host) throw new Error('smtp: the host is empty');
    if (!options.from) throw new Error('smtp: the From address is empty');
    const timeout = options.timeoutMs ?? 10_000;
    const config: SMTPTransport.Options = {
      host: options.host,
      port: options.port,
      secure: options.tls === 'implicit',
      requireTLS: options.tls === 'starttls',
      ignoreTLS: options.tls === 'none',
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: { minVersion: 'TLSv1.2', ...(options.ca ? { ca: options.ca } : {}) },
      ...(options.user ? { auth: { user: options.user, pass: options.password } } : {}),
    };
    this.transport = createTransport(config);
  }

  async send(message: CodeMessage): Promise<CodeDelivery> {
    if (message.channel !== 'email') return { status: 'rejected', reason: `smtp sends email, not ${message.channel}` };
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: `Your Parley sign-in code: ${message.code}`,
        text: codeText(message.code, message.ttlSeconds),
      });
      if (info.rejected.length > 0) return { status: 'rejected', reason: 'smtp: recipient refused' };
      return { status: 'sent', id: info.messageId };
    } catch (e) {
      const err = e as { responseCode?: number; code?: string; message?: string };
      const reason = `smtp${err.responseCode ? ` ${err.responseCode}` : ''}${err.code ? ` ${err.code}` : ''}: ${(err.message ?? 'send failed').slice(0, 200)}`;
      // 5xx to the recipient is final (no such mailbox, relay denied); 4xx and transport errors are not.
      if (err.code === 'EENVELOPE' && typeof err.responseCode === 'number' && err.responseCode >= 500) return { status: 'rejected', reason };
      return { status: 'unavailable', reason };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
