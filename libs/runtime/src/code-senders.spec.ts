import { loadConfig } from '@parley/config';
import { createLogger } from '@parley/observability';
import { openCodeSenders } from './code-senders';

describe('openCodeSenders', () => {
  const logger = createLogger('test', 'error');

  it('leaves both channels off by default', async () => {
    const senders = openCodeSenders(loadConfig({}).otp, logger);
    expect([senders.sms, senders.email]).toEqual([undefined, undefined]);
    await senders.closeAll();
  });

  it('opens the configured providers: Twilio for sms, SMTP for email, or the dev-only logging sender', async () => {
    const real = openCodeSenders(
      loadConfig({
        PARLEY_OTP_SMS_PROVIDER: 'twilio', PARLEY_OTP_TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, PARLEY_OTP_TWILIO_AUTH_TOKEN: 'token', PARLEY_OTP_TWILIO_FROM: '+15005550006',
        PARLEY_OTP_EMAIL_PROVIDER: 'smtp', PARLEY_OTP_SMTP_HOST: '127.0.0.1', PARLEY_OTP_SMTP_FROM: 'no-reply@parley.test',
      }).otp,
      logger,
    );
    expect([real.sms?.name, real.email?.name]).toEqual(['twilio', 'smtp']);
    await real.closeAll();
    const dev = openCodeSenders(loadConfig({ PARLEY_OTP_SMS_PROVIDER: 'dev-log', PARLEY_OTP_EMAIL_PROVIDER: 'dev-log' }).otp, logger);
    expect([dev.sms?.name, dev.email?.name]).toEqual(['dev-log', 'dev-log']);
    expect(await dev.sms?.send({ channel: 'sms', to: '+447700900123', code: '123456', ttlSeconds: 300 })).toEqual({ status: 'sent' });
    await dev.closeAll();
  });
});
