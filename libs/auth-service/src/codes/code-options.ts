/** Settings of one-time-code sign-in (docs/adr/0012-one-time-code-login.md). */
export interface CodeLoginOptions {
  /** How long a code is valid (seconds). */
  ttlSeconds: number;
  /** Digits per code (6 to 10). */
  length: number;
  /** Wrong guesses a code survives; the last one burns it. */
  maxAttempts: number;
  /** Least time between two codes to one destination (seconds). */
  resendAfterSeconds: number;
  /** Codes one destination may be sent per hour (a fixed window from the first). */
  sendsPerHour: number;
  /** The server secret codes and destinations are hashed with (32+ characters); empty: a random one kept in the database. */
  pepper: string;
}

export const DEFAULT_CODE_LOGIN: CodeLoginOptions = { ttlSeconds: 300, length: 6, maxAttempts: 5, resendAfterSeconds: 30, sendsPerHour: 5, pepper: '' };

export function checkCodeLoginOptions(o: CodeLoginOptions): CodeLoginOptions {
  const int = (v: number, min: number, max: number, name: string) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`auth: codes.${name} must be an integer from ${min} to ${max}`);
  };
  int(o.ttlSeconds, 30, 3600, 'ttlSeconds');
  int(o.length, 6, 10, 'length');
  int(o.maxAttempts, 1, 10, 'maxAttempts');
  int(o.resendAfterSeconds, 0, 3600, 'resendAfterSeconds');
  int(o.sendsPerHour, 1, 100, 'sendsPerHour');
  if (o.pepper !== '' && o.pepper.length < 32) throw new Error('auth: the code pepper must be at least 32 characters (or empty)');
  return { ...o };
}
