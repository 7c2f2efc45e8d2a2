import { loadConfig } from './config';

describe('one-time-code settings', () => {
  it('keeps both channels off by default, with safe code defaults', () => {
    const c = loadConfig({});
    expect(c.otp).toMatchObject({ smsProvider: 'none', emailProvider: 'none', requestsPerMinute: 5 });
    expect(c.auth.codes).toEqual({ ttlSeconds: 300, length: 6, maxAttempts: 5, resendAfterSeconds: 30, sendsPerHour: 5, pepper: '' });
    expect(c.gateway.authLimits.codeRequestsPerMinute).toBe(5);
    expect(c.otp.smtp).toMatchObject({ port: 587, tls: 'starttls' });
  });

  it('takes Twilio and SMTP from the environment and names what is missing', () => {
    const twilio = { PARLEY_OTP_SMS_PROVIDER: 'twilio', PARLEY_OTP_TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), PARLEY_OTP_TWILIO_AUTH_TOKEN: 't', PARLEY_OTP_TWILIO_FROM: '+15005550006' };
    expect(loadConfig(twilio).otp.twilio).toEqual({ accountSid: 'AC' + '0'.repeat(32), authToken: 't', from: '+15005550006', apiUrl: 'https://api.twilio.com' });
    expect(() => loadConfig({ PARLEY_OTP_SMS_PROVIDER: 'twilio', PARLEY_OTP_TWILIO_FROM: '+1555' })).toThrow('PARLEY_OTP_SMS_PROVIDER=twilio needs PARLEY_OTP_TWILIO_ACCOUNT_SID, PARLEY_OTP_TWILIO_AUTH_TOKEN');
    expect(() => loadConfig({ PARLEY_OTP_EMAIL_PROVIDER: 'smtp' })).toThrow('PARLEY_OTP_EMAIL_PROVIDER=smtp needs PARLEY_OTP_SMTP_HOST, PARLEY_OTP_SMTP_FROM');
    expect(loadConfig({ PARLEY_OTP_EMAIL_PROVIDER: 'smtp', PARLEY_OTP_SMTP_HOST: 'mail', PARLEY_OTP_SMTP_FROM: 'a@b.c', PARLEY_OTP_SMTP_TLS: 'implicit', PARLEY_OTP_SMTP_PORT: '465' }).otp.smtp).toMatchObject({ host: 'mail', port: 465, tls: 'implicit' });
  });

  it('refuses the dev-only logging sender in mesh mode, short peppers and out-of-range code settings', () => {
    expect(loadConfig({ PARLEY_OTP_SMS_PROVIDER: 'dev-log' }).otp.smsProvider).toBe('dev-log');
    expect(() => loadConfig({ PARLEY_MODE: 'mesh', PARLEY_OTP_EMAIL_PROVIDER: 'dev-log' })).toThrow(/refused in mesh mode/);
    expect(() => loadConfig({ PARLEY_OTP_PEPPER: 'short' })).toThrow(/PARLEY_OTP_PEPPER/);
    expect(() => loadConfig({ PARLEY_OTP_CODE_LENGTH: '4' })).toThrow(/PARLEY_OTP_CODE_LENGTH/);
    expect(() => loadConfig({ PARLEY_OTP_CODE_TTL_SECONDS: '86400' })).toThrow(/PARLEY_OTP_CODE_TTL_SECONDS/);
    expect(() => loadConfig({ PARLEY_OTP_SMTP_TLS: 'maybe' })).toThrow(/PARLEY_OTP_SMTP_TLS/);
  });
});
