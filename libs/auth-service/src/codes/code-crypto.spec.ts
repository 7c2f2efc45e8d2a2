import { randomBytes } from 'node:crypto';
import { CodeCrypto } from './code-crypto';
import { normalizeDestination } from './destination';

describe('one-time code cryptography', () => {
  const crypto = new CodeCrypto(randomBytes(32));

  it('draws codes of the asked length from all ten digits, leading zeros kept', () => {
    const codes = Array.from({ length: 2000 }, () => CodeCrypto.newCode(6));
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    const digits = new Set(codes.join(''));
    expect(digits.size).toBe(10);
    expect(codes.some((c) => c.startsWith('0'))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(1990);
    expect(CodeCrypto.newCode(10)).toMatch(/^\d{10}$/);
  });

  it('stores a keyed hash, never the code, bound to its destination and pepper', () => {
    const key = crypto.destinationKey('sms', '+447700900123');
    const stored = crypto.codeHash(key, '123456');
    expect(stored).not.toContain('123456');
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(crypto.matches(key, '123456', stored)).toBe(true);
    expect(crypto.matches(key, '123457', stored)).toBe(false);
    expect(crypto.matches(crypto.destinationKey('sms', '+447700900124'), '123456', stored)).toBe(false);
    expect(new CodeCrypto(randomBytes(32)).matches(key, '123456', stored)).toBe(false);
    expect(crypto.matches(key, '123456', 'short')).toBe(false);
  });

  it('keys destinations without keeping them in clear, per channel', () => {
    const key = crypto.destinationKey('email', 'ada@example.test');
    expect(key).not.toContain('ada');
    expect(key).toBe(crypto.destinationKey('email', 'ada@example.test'));
    expect(key).not.toBe(crypto.destinationKey('sms', 'ada@example.test'));
  });

  it('refuses a short pepper', () => {
    expect(() => new CodeCrypto(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('normalizes destinations to one form and refuses anything else', () => {
    expect(normalizeDestination('sms', '+447700900123')).toBe('+447700900123');
    expect(normalizeDestination('email', 'Ada.Lovelace@Example.TEST')).toBe('ada.lovelace@example.test');
    for (const bad of ['447700900123', '+0447700900', '+12', '+1234567890123456', '+44 7700 900123']) expect(() => normalizeDestination('sms', bad)).toThrow(/E\.164/);
    for (const bad of ['ada', 'ada@', '@example.test', 'a da@example.test', 'ada@example', 'ada@example.test\r\nBcc: x@y.z', '"ada"@example.test', `${'a'.repeat(65)}@example.test`]) {
      expect(() => normalizeDestination('email', bad)).toThrow(/e-mail/);
    }
  });
});
