import { DomainError } from '@parley/domain';
import type { JsonWebKeySet } from '@parley/ports';
import { base64url, decodeProtectedHeader, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { generateSigningKey, SigningKey } from './signing-key';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier, TokenVerifierOptions } from './token-verifier';

const ISSUER = 'https://auth.parley.test';
const AUDIENCE = 'parley';
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

let key: SigningKey;
let otherKey: SigningKey;

beforeAll(async () => {
  [key, otherKey] = await Promise.all([generateSigningKey(), generateSigningKey()]);
});

/** A clock the test moves by hand. */
function manualClock(start = T0) {
  let t = start;
  return { now: () => t, advanceSec: (s: number) => (t += s * 1000) };
}

const jwks = (...keys: SigningKey[]): JsonWebKeySet => ({ keys: keys.map((k) => ({ ...k.publicJwk })) });

function issuer(k: SigningKey, clock = manualClock(), ttlSeconds = 900) {
  return new TokenIssuer({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds, key: k, now: clock.now });
}

function verifier(overrides: Partial<TokenVerifierOptions> = {}, clock = manualClock()) {
  return new TokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: () => jwks(key), now: clock.now, ...overrides });
}

/** Signs arbitrary claims with `k`, for tokens the issuer would never make. */
async function forge(k: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const iat = Math.floor(T0 / 1000);
  return new SignJWT({ sub: 'u1', sid: 's1', jti: 'j1', iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 600, ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: k.kid, typ: 'JWT', ...header })
    .sign(await importJWK(k.privateJwk, 'EdDSA'));
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
}

async function expectUnauthenticated(p: Promise<unknown>, reason: string) {
  const e = await rejection(p);
  expect({ code: e.code, message: e.message }).toEqual({ code: 'UNAUTHENTICATED', message: reason });
}

describe('generateSigningKey', () => {
  it('makes an Ed25519 pair whose kid names the public key and whose public half has no secret', async () => {
    expect(key.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: key.kid, alg: 'EdDSA', use: 'sig' });
    expect(key.publicJwk.d).toBeUndefined();
    expect(typeof key.privateJwk.d).toBe('string');
    expect(otherKey.kid).not.toBe(key.kid);
  });
});

describe('TokenIssuer', () => {
  it('refuses a lifetime above 15 minutes', () => {
    expect(() => new TokenIssuer({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 901, key })).toThrow(/ttlSeconds/);
  });

  it('refuses a key without its private part', () => {
    expect(() => new TokenIssuer({ issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 60, key: { ...key, privateJwk: key.publicJwk } })).toThrow(
      /private/,
    );
  });

  it('signs with EdDSA under the key id, as a JWT', async () => {
    const { token, expiresIn } = await issuer(key, manualClock(), 300).issue({ sub: 'u1', sid: 's1' });
    expect(expiresIn).toBe(300);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' });
  });
});

describe('TokenVerifier', () => {
  it('round-trips the claims of an issued token', async () => {
    const clock = manualClock();
    const { token } = await issuer(key, clock, 600).issue({ sub: 'user-1', sid: 'session-1' });
    const claims = await verifier({}, clock).verify(token);
    expect(claims).toEqual({ sub: 'user-1', sid: 'session-1', jti: expect.any(String), exp: Math.floor(T0 / 1000) + 600 });
  });

  it('gives every token its own jti', async () => {
    const iss = issuer(key);
    const v = verifier();
    const a = await v.verify((await iss.issue({ sub: 'u', sid: 's' })).token);
    const b = await v.verify((await iss.issue({ sub: 'u', sid: 's' })).token);
    expect(a.jti).not.toBe(b.jti);
  });

  it('rejects an expired token, allowing the clock tolerance', async () => {
    const clock = manualClock();
    const { token } = await issuer(key, clock, 60).issue({ sub: 'u', sid: 's' });
    const v = verifier({ clockToleranceSec: 5 }, clock);
    clock.advanceSec(63);
    await expect(v.verify(token)).resolves.toMatchObject({ sub: 'u' });
    clock.advanceSec(5);
    await expectUnauthenticated(v.verify(token), 'token expired');
  });

  it('rejects a token issued more than 15 minutes ago even if its exp is later', async () => {
    const iat = Math.floor(T0 / 1000) - 20 * 60;
    const token = await forge(key, { iat, exp: iat + 3600 });
    await expectUnauthenticated(verifier().verify(token), 'token expired');
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const { token } = await issuer(key).issue({ sub: 'alice', sid: 's' });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    const tampered = base64url.encode(JSON.stringify({ ...claims, sub: 'mallory' }));
    await expectUnauthenticated(verifier().verify(`${header}.${tampered}.${signature}`), 'invalid signature');
  });

  it('rejects a token from another issuer', async () => {
    const token = await forge(key, { iss: 'https://evil.test' });
    await expectUnauthenticated(verifier().verify(token), 'wrong issuer');
  });

  it('rejects a token for another audience', async () => {
    const token = await forge(key, { aud: 'someone-else' });
    await expectUnauthenticated(verifier().verify(token), 'wrong audience');
  });

  it('rejects an unsigned token (alg none)', async () => {
    const iat = Math.floor(T0 / 1000);
    const token = new UnsecuredJWT({ sub: 'u', sid: 's', jti: 'j' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .encode();
    await expectUnauthenticated(verifier().verify(token), 'algorithm not allowed');
    const withKid = token.replace(/^[^.]+/, base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid, typ: 'JWT' })));
    await expectUnauthenticated(verifier().verify(withKid), 'algorithm not allowed');
  });

  it('rejects an HS256 token keyed with the public key bytes (algorithm confusion)', async () => {
    const iat = Math.floor(T0 / 1000);
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const token = await new SignJWT({ sub: 'u', sid: 's', jti: 'j', iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .sign(secret);
    await expectUnauthenticated(verifier().verify(token), 'algorithm not allowed');
  });

  it('rejects a token missing a required claim', async () => {
    const token = await forge(key, { sid: undefined });
    await expectUnauthenticated(verifier().verify(token), 'missing sid claim');
  });

  it('rejects a token with a non-string session id', async () => {
    const token = await forge(key, { sid: 42 });
    await expectUnauthenticated(verifier().verify(token), 'malformed claims');
  });

  it('rejects a token of another type', async () => {
    const token = await forge(key, {}, { typ: 'at+jwt' });
    await expectUnauthenticated(verifier().verify(token), 'wrong token type');
  });

  it('rejects garbage, empty and non-string input', async () => {
    await expectUnauthenticated(verifier().verify('not.a.jwt'), 'malformed token');
    await expectUnauthenticated(verifier().verify(''), 'missing token');
    await expectUnauthenticated(verifier().verify(undefined), 'missing token');
  });

  it('rejects an oversized token without fetching keys', async () => {
    const source = jest.fn(() => jwks(key));
    await expectUnauthenticated(verifier({ keys: source }).verify('a'.repeat(5000)), 'token too long');
    expect(source).not.toHaveBeenCalled();
  });

  it('rejects a token signed by an unknown key, re-fetching the key set at most once per cooldown', async () => {
    const clock = manualClock();
    const source = jest.fn(() => jwks(key));
    const v = verifier({ keys: source, refreshCooldownSec: 30 }, clock);
    const foreign = await forge(otherKey, {});
    await expectUnauthenticated(v.verify(foreign), 'unknown signing key');
    await expectUnauthenticated(v.verify(foreign), 'unknown signing key');
    expect(source).toHaveBeenCalledTimes(1);
    clock.advanceSec(31);
    await expectUnauthenticated(v.verify(foreign), 'unknown signing key');
    expect(source).toHaveBeenCalledTimes(2);
  });

  it('picks up a new key when a token names it', async () => {
    const clock = manualClock();
    let published = jwks(key);
    const v = verifier({ keys: () => published, refreshCooldownSec: 30 }, clock);
    await v.verify(await forge(key, {}));
    published = jwks(key, otherKey);
    clock.advanceSec(31);
    await expect(v.verify(await forge(otherKey, { sub: 'rotated' }))).resolves.toMatchObject({ sub: 'rotated' });
  });

  it('changes its key generation when the published key ids change, not on a re-fetch of the same set', async () => {
    const clock = manualClock();
    let published = jwks(key);
    const v = verifier({ keys: () => published, keysMaxAgeSec: 600 }, clock);
    const fresh = () => {
      const iat = Math.floor(clock.now() / 1000);
      return forge(key, { iat, exp: iat + 600 });
    };
    await v.verify(await fresh());
    const first = v.keysGeneration;
    clock.advanceSec(601);
    await v.verify(await fresh());
    expect(v.keysGeneration).toBe(first);
    published = jwks(key, otherKey);
    clock.advanceSec(601);
    await v.verify(await fresh());
    expect(v.keysGeneration).toBe(first + 1);
  });

  it('drops a key that is no longer published once the cached set is old', async () => {
    const clock = manualClock();
    let published = jwks(key, otherKey);
    const v = verifier({ keys: () => published, keysMaxAgeSec: 600 }, clock);
    const old = await forge(otherKey, { iat: Math.floor(T0 / 1000) + 601, exp: Math.floor(T0 / 1000) + 1200 });
    await v.verify(await forge(key, {}));
    published = jwks(key);
    clock.advanceSec(601);
    await expectUnauthenticated(v.verify(old), 'unknown signing key');
  });

  it('answers UNAVAILABLE and reports when the key set cannot be fetched at all', async () => {
    const reported: Error[] = [];
    const v = verifier({
      keys: () => Promise.reject(new Error('connection refused')),
      onKeySetError: (e) => reported.push(e),
    });
    const e = await rejection(v.verify(await forge(key, {})));
    expect(e.code).toBe('UNAVAILABLE');
    expect(reported).toHaveLength(1);
    expect(reported[0].cause).toEqual(new Error('connection refused'));
  });

  it('keeps verifying with the cached keys while a re-fetch fails', async () => {
    const clock = manualClock();
    let down = false;
    const reported: Error[] = [];
    const v = verifier(
      {
        keys: () => (down ? Promise.reject(new Error('down')) : jwks(key)),
        keysMaxAgeSec: 60,
        onKeySetError: (e) => reported.push(e),
      },
      clock,
    );
    await v.verify(await forge(key, {}));
    down = true;
    clock.advanceSec(61);
    const later = await forge(key, { iat: Math.floor(T0 / 1000) + 61, exp: Math.floor(T0 / 1000) + 600 });
    await expect(v.verify(later)).resolves.toMatchObject({ sub: 'u1' });
    expect(reported).toHaveLength(1);
  });

  it('refuses a key set that publishes a private key', async () => {
    const v = verifier({ keys: () => ({ keys: [{ ...key.privateJwk }] }) });
    expect((await rejection(v.verify(await forge(key, {})))).code).toBe('UNAVAILABLE');
  });
});

describe('TokenVerifier.verifyNow (the WebSocket upgrade, without an await)', () => {
  it('answers null until a key set is loaded, then verifies synchronously', async () => {
    const v = verifier();
    const { token } = await issuer(key).issue({ sub: 'u', sid: 's' });
    expect(v.verifyNow(token)).toBeNull();
    await v.verify(token);
    expect(v.verifyNow(token)).toMatchObject({ sub: 'u', sid: 's' });
  });

  it('applies every check of verify()', async () => {
    const v = verifier();
    await v.verify(await forge(key, {}));
    const wrongAudience = await forge(key, { aud: 'someone-else' });
    expect(() => v.verifyNow(wrongAudience)).toThrow('wrong audience');
    const [, payload, signature] = wrongAudience.split('.');
    const critHeader = base64url.encode(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ: 'JWT', crit: ['exp'] }));
    expect(() => v.verifyNow(`${critHeader}.${payload}.${signature}`)).toThrow('malformed token');
    expect(() => v.verifyNow('x'.repeat(5000))).toThrow('token too long');
  });

  it('asks for a fetch (null) for an unknown key id, and refuses it within the cooldown', async () => {
    const clock = manualClock();
    const v = verifier({ refreshCooldownSec: 30 }, clock);
    const foreign = await forge(otherKey, {});
    await v.verify(await forge(key, {}));
    clock.advanceSec(31);
    expect(v.verifyNow(foreign)).toBeNull();
    await expectUnauthenticated(v.verify(foreign), 'unknown signing key');
    expect(() => v.verifyNow(foreign)).toThrow('unknown signing key');
  });
});
