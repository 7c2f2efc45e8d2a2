import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';

export interface CapturedMail {
  from: string;
  to: string[];
  /** The raw message (headers and body) as received. */
  raw: string;
  user: string | undefined;
}

export interface LocalSmtpOptions {
  /** Required AUTH (PLAIN/LOGIN) with these credentials; absent: no AUTH. */
  auth?: { user: string; password: string };
  /** Offer STARTTLS with this certificate (test CA, see makeTestCa); absent: plain only. */
  tls?: { certFile: string; keyFile: string };
  /** Recipients refused with 550 at RCPT TO. */
  refuse?: string[];
}

/** An SMTP server on loopback (the `smtp-server` package) that captures every message it accepts. */
export class LocalSmtpServer {
  readonly mails: CapturedMail[] = [];
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly options: LocalSmtpOptions = {}) {}

  /** The codes mailed to `to`, oldest first. */
  codesTo(to: string): string[] {
    return this.mails.filter((m) => m.to.includes(to)).map((m) => /sign-in code is (\d{4,10})\b/.exec(m.raw)?.[1] ?? '');
  }

  async start(): Promise<this> {
    const o = this.options;
    const opts: SMTPServerOptions = {
      logger: false,
      banner: 'parley test smtp',
      authOptional: !o.auth,
      allowInsecureAuth: false,
      disabledCommands: o.tls ? [] : ['STARTTLS'],
      ...(o.tls ? { key: readFileSync(o.tls.keyFile), cert: readFileSync(o.tls.certFile) } : {}),
      size: 64 * 1024,
      onAuth: (auth, _session, cb) => {
        if (o.auth && auth.username === o.auth.user && auth.password === o.auth.password) return cb(null, { user: auth.username });
        return cb(new Error('Invalid username or password'));
      },
      onRcptTo: (address, _session, cb) => {
        if (o.refuse?.includes(address.address)) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          cb();
        });
      },
    };
    if (!o.tls) opts.allowInsecureAuth = true;
    this.server = new SMTPServer(opts);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
