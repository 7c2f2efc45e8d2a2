import { int, oneOf, read, str } from './setting';

/** One-time-code sign-in (docs/adr/0012-one-time-code-login.md). A channel without a provider is off. */
export interface OtpConfig {
  smsProvider: 'none' | 'twilio' | 'dev-log';
  emailProvider: 'none' | 'smtp' | 'dev-log';
  twilio: { accountSid: string; authToken: string; from: string; apiUrl: string };
  smtp: { host: string; port: number; tls: 'starttls' | 'implicit' | 'none'; user: string; password: string; from: string; caFile: string };
  codes: { ttlSeconds: number; length: number; maxAttempts: number; resendAfterSeconds: number; sendsPerHour: number; pepper: string };
  /** Code requests per minute per client address, at each gateway. */
  requestsPerMinute: number;
}

export const otpSettings = {
  otpSmsProvider: oneOf('PARLEY_OTP_SMS_PROVIDER', 'none', ['none', 'twilio', 'dev-log'] as const, 'code sign-in by SMS: twilio, dev-log (standalone only: the code is written to the log, never sent), or none (off)'),
  otpEmailProvider: oneOf('PARLEY_OTP_EMAIL_PROVIDER', 'none', ['none', 'smtp', 'dev-log'] as const, 'code sign-in by e-mail: smtp, dev-log (standalone only: the code is written to the log, never sent), or none (off)'),
  otpTwilioAccountSid: str('PARLEY_OTP_TWILIO_ACCOUNT_SID', '', 'Twilio: the account SID (AC…)'),
  otpTwilioAuthToken: str('PARLEY_OTP_TWILIO_AUTH_TOKEN', '', 'Twilio: the auth token (a secret: from the environment, e.g. a mounted Secret, never in the repo)'),
  otpTwilioFrom: str('PARLEY_OTP_TWILIO_FROM', '', 'Twilio: the sender, an E.164 number of the account or a Messaging Service SID (MG…)'),
  otpTwilioApiUrl: str('PARLEY_OTP_TWILIO_API_URL', 'https://api.twilio.com', "Twilio: the API's base URL (an egress proxy, a test server)"),
  otpSmtpHost: str('PARLEY_OTP_SMTP_HOST', '', 'SMTP: the server host'),
  otpSmtpPort: int('PARLEY_OTP_SMTP_PORT', 587, 'SMTP: the server port', 1, 65535),
  otpSmtpTls: oneOf('PARLEY_OTP_SMTP_TLS', 'starttls', ['starttls', 'implicit', 'none'] as const, 'SMTP: starttls (required, refused without it), implicit (TLS from the first byte, port 465), none (plain: a relay on loopback only)'),
  otpSmtpUser: str('PARLEY_OTP_SMTP_USER', '', 'SMTP: AUTH user; empty: no AUTH'),
  otpSmtpPassword: str('PARLEY_OTP_SMTP_PASSWORD', '', 'SMTP: AUTH password (a secret: from the environment, never in the repo)'),
  otpSmtpFrom: str('PARLEY_OTP_SMTP_FROM', '', 'SMTP: the From address, e.g. "Parley <no-reply@example.com>"'),
  otpSmtpCaFile: str('PARLEY_OTP_SMTP_CA_FILE', '', "SMTP: extra CA certificates (PEM file) to trust; empty: the system's"),
  otpCodeTtl: int('PARLEY_OTP_CODE_TTL_SECONDS', 300, 'how long a sign-in code is valid', 30, 3600),
  otpCodeLength: int('PARLEY_OTP_CODE_LENGTH', 6, 'digits per sign-in code', 6, 10),
  otpMaxAttempts: int('PARLEY_OTP_MAX_ATTEMPTS', 5, 'wrong guesses a code survives; the last one burns it', 1, 10),
  otpResendAfter: int('PARLEY_OTP_RESEND_AFTER_SECONDS', 30, 'least time between two codes to one destination', 0, 3600),
  otpSendsPerHour: int('PARLEY_OTP_SENDS_PER_HOUR', 5, 'codes one destination may be sent per hour', 1, 100),
  otpPepper: str('PARLEY_OTP_PEPPER', '', 'secret (32+ characters) codes and destinations are hashed with; empty: a random one kept in the database'),
  otpRequestsPerMinute: int('PARLEY_OTP_REQUESTS_PER_MINUTE', 5, 'code requests per minute per client address (each gateway) before 429', 1),
} as const;

export function loadOtpConfig(env: Record<string, string | undefined>, mode: 'standalone' | 'mesh'): OtpConfig {
  const s = otpSettings;
  const otp: OtpConfig = {
    smsProvider: read(env, s.otpSmsProvider),
    emailProvider: read(env, s.otpEmailProvider),
    twilio: { accountSid: read(env, s.otpTwilioAccountSid), authToken: read(env, s.otpTwilioAuthToken), from: read(env, s.otpTwilioFrom), apiUrl: read(env, s.otpTwilioApiUrl) },
    smtp: {
      host: read(env, s.otpSmtpHost),
      port: read(env, s.otpSmtpPort),
      tls: read(env, s.otpSmtpTls),
      user: read(env, s.otpSmtpUser),
      password: read(env, s.otpSmtpPassword),
      from: read(env, s.otpSmtpFrom),
      caFile: read(env, s.otpSmtpCaFile),
    },
    codes: {
      ttlSeconds: read(env, s.otpCodeTtl),
      length: read(env, s.otpCodeLength),
      maxAttempts: read(env, s.otpMaxAttempts),
      resendAfterSeconds: read(env, s.otpResendAfter),
      sendsPerHour: read(env, s.otpSendsPerHour),
      pepper: read(env, s.otpPepper),
    },
    requestsPerMinute: read(env, s.otpRequestsPerMinute),
  };
  const missing = (pairs: Array<[string, string]>) => pairs.filter(([, v]) => !v).map(([k]) => k);
  if (otp.smsProvider === 'twilio') {
    const m = missing([['PARLEY_OTP_TWILIO_ACCOUNT_SID', otp.twilio.accountSid], ['PARLEY_OTP_TWILIO_AUTH_TOKEN', otp.twilio.authToken], ['PARLEY_OTP_TWILIO_FROM', otp.twilio.from]]);
    if (m.length) throw new Error(`PARLEY_OTP_SMS_PROVIDER=twilio needs ${m.join(', ')}`);
  }
  if (otp.emailProvider === 'smtp') {
    const m = missing([['PARLEY_OTP_SMTP_HOST', otp.smtp.host], ['PARLEY_OTP_SMTP_FROM', otp.smtp.from]]);
    if (m.length) throw new Error(`PARLEY_OTP_EMAIL_PROVIDER=smtp needs ${m.join(', ')}`);
  }
  if (mode === 'mesh' && (otp.smsProvider === 'dev-log' || otp.emailProvider === 'dev-log')) throw new Error('PARLEY_OTP_*_PROVIDER=dev-log writes codes to the log: standalone development only, refused in mesh mode');
  if (otp.codes.pepper && otp.codes.pepper.length < 32) throw new Error('PARLEY_OTP_PEPPER must be at least 32 characters (or empty)');
  return otp;
}
