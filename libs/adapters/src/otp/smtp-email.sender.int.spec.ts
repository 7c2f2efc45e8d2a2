import { readFileSync } from 'node:fs';
import { CodeMessage } from '@parley/ports';
import { LocalSmtpServer } from '../testing/otp/local-smtp.server';
import { makeTestCa, TestCa } from '../testing/tls-servers';
import { SmtpEmailSender } from './smtp-email.sender';

/** The SMTP adapter (nodemailer) against a real SMTP server (smtp-server) on loopback. */
describe('SmtpEmailSender (nodemailer against a local SMTP server)', () => {
  const message: CodeMessage = { channel: 'email', to: 'ada@example.test', code: '907112', ttlSeconds: 600 };
  let ca: TestCa;
  const open: Array<{ stop(): Promise<void> } | SmtpEmailSender> = [];

  beforeAll(() => {
    ca = makeTestCa();
  });
  afterAll(async () => {
    for (const o of open.reverse()) await ('close' in o ? o.close() : o.stop());
  });

  it('delivers over STARTTLS with AUTH, trusting the test CA; the server captures the code', async () => {
    const smtp = await new LocalSmtpServer({ auth: { user: 'parley', password: 's3cret-pw' }, tls: { certFile: ca.certFile, keyFile: ca.keyFile } }).start();
    open.push(smtp);
    const sender = new SmtpEmailSender({ host: 'localhost', port: smtp.port, tls: 'starttls', user: 'parley', password: 's3cret-pw', from: 'Parley <no-reply@example.test>', ca: [readFileSync(ca.caFile, 'utf8')] });
    open.push(sender);
    expect(await sender.send(message)).toEqual({ status: 'sent', id: expect.any(String) });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({ from: 'no-reply@example.test', to: ['ada@example.test'], user: 'parley' });
    expect(smtp.mails[0].raw).toContain('Subject: Your Parley sign-in code: 907112');
    expect(smtp.codesTo('ada@example.test')).toEqual(['907112']);
  });

  it('refuses a server whose certificate it does not trust, and a server without STARTTLS when it is required', async () => {
    const tlsSmtp = await new LocalSmtpServer({ tls: { certFile: ca.certFile, keyFile: ca.keyFile } }).start();
    const plainSmtp = await new LocalSmtpServer().start();
    open.push(tlsSmtp, plainSmtp);
    const untrusted = new SmtpEmailSender({ host: 'localhost', port: tlsSmtp.port, tls: 'starttls', user: '', password: '', from: 'no-reply@example.test', ca: [readFileSync(ca.otherCaFile, 'utf8')], timeoutMs: 3000 });
    const downgrade = new SmtpEmailSender({ host: 'localhost', port: plainSmtp.port, tls: 'starttls', user: '', password: '', from: 'no-reply@example.test', timeoutMs: 3000 });
    open.push(untrusted, downgrade);
    expect((await untrusted.send(message)).status).toBe('unavailable');
    expect((await downgrade.send(message)).status).toBe('unavailable');
    expect(tlsSmtp.mails).toHaveLength(0);
    expect(plainSmtp.mails).toHaveLength(0);
  });

  it('a recipient refused with 5xx is rejected; wrong credentials and a closed port are unavailable', async () => {
    const smtp = await new LocalSmtpServer({ auth: { user: 'parley', password: 'right' }, refuse: ['gone@example.test'] }).start();
    open.push(smtp);
    const good = new SmtpEmailSender({ host: '127.0.0.1', port: smtp.port, tls: 'none', user: 'parley', password: 'right', from: 'no-reply@example.test' });
    const badAuth = new SmtpEmailSender({ host: '127.0.0.1', port: smtp.port, tls: 'none', user: 'parley', password: 'wrong', from: 'no-reply@example.test' });
    const closed = new SmtpEmailSender({ host: '127.0.0.1', port: 1, tls: 'none', user: '', password: '', from: 'no-reply@example.test', timeoutMs: 2000 });
    open.push(good, badAuth, closed);
    expect(await good.send({ ...message, to: 'gone@example.test' })).toEqual({ status: 'rejected', reason: expect.stringContaining('550') });
    expect((await badAuth.send(message)).status).toBe('unavailable');
    expect((await closed.send(message)).status).toBe('unavailable');
    expect(await good.send(message)).toMatchObject({ status: 'sent' });
    expect(smtp.mails.map((m) => m.to)).toEqual([['ada@example.test']]);
  });
});
