import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The cryptography of one-time codes: codes drawn uniformly from crypto's RNG, stored only as an
 * HMAC-SHA256 under a server pepper (bound to the destination, so a stored hash is useless for
 * another one), and compared in constant time. Destinations are keyed by their own HMAC, so the
 * code table holds no phone number or address in clear.
 */
export class CodeCrypto {
  constructor(private readonly pepper: Buffer) {
    if (pepper.length < 32) throw new Error('the code pepper must be at least 32 bytes');
  }

  /** `length` decimal digits, leading zeros kept, each uniform (randomInt rejects modulo bias). */
  static newCode(length: number): string {
    let code = '';
    for (let i = 0; i < length; i++) code += String(randomInt(10));
    return code;
  }

  /** The stored key of a destination (`sms:+4477…`, `email:ada@…`). */
  destinationKey(channel: string, address: string): string {
    return this.mac(`destination\u0000${channel}\u0000${address}`).toString('base64url');
  }

  codeHash(destinationKey: string, code: string): string {
    return this.mac(`code\u0000${destinationKey}\u0000${code}`).toString('base64url');
  }

  /** Constant time in the code: both sides are 32-byte MACs. */
  matches(destinationKey: string, code: string, storedHash: string): boolean {
    const expected = Buffer.from(storedHash, 'base64url');
    const actual = this.mac(`code\u0000${destinationKey}\u0000${code}`);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.pepper).update(text, 'utf8').digest();
  }
}
