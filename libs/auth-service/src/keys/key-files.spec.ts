import { mkdtempSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, SigningKey, TokenVerifier } from '@parley/tokens';
import { AuthOptions } from '../auth.options';
import { SigningKeysRepository } from '../storage/signing-keys.repository';
import { activeKey, loadSigningKeys } from './key-files';
import { SigningKeyRing } from './signing-key-ring';

const base: AuthOptions = { issuer: 'parley', audience: 'parley-clients', accessTtlSeconds: 900, refreshTtlSeconds: 3600 };
/** In directory mode the ring never touches the database. */
const noStorage = {} as SigningKeysRepository;

describe('signing keys from a directory (rotation)', () => {
  let dir: string;
  let oldKey: SigningKey;
  let newKey: SigningKey;

  beforeAll(async () => {
    [oldKey, newKey] = await Promise.all([generateSigningKey(), generateSigningKey()]);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ring = async (activeKid = ''): Promise<SigningKeyRing> => {
    const r = new SigningKeyRing({ ...base, signingKeysDir: dir, activeKid }, noStorage);
    await r.onModuleInit();
    return r;
  };
  const verifierOf = (r: SigningKeyRing) => new TokenVerifier({ issuer: base.issuer, audience: base.audience, keys: () => r.published() });
  const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { kid: string }).kid;

  test('old tokens stay valid while both keys are published; new tokens are signed with the new key', async () => {
    writeFileSync(join(dir, 'old.json'), JSON.stringify(oldKey.privateJwk));
    const before = await ring();
    const oldToken = (await before.issueAccessToken('u1', 's1')).token;
    expect(kidOf(oldToken)).toBe(oldKey.kid);

    // Step 1 of a rotation: the new key is added, the old one still signs.
    writeFileSync(join(dir, 'new.json'), JSON.stringify(newKey.privateJwk));
    expect(kidOf((await (await ring(oldKey.kid)).issueAccessToken('u1', 's1')).token)).toBe(oldKey.kid);

    // Step 2: the new key signs; tokens of the old one still verify until they expire.
    const rotated = await ring(newKey.kid);
    const newToken = (await rotated.issueAccessToken('u2', 's2')).token;
    expect(kidOf(newToken)).toBe(newKey.kid);
    expect((await rotated.published()).keys.map((k) => k.kid).sort()).toEqual([newKey.kid, oldKey.kid].sort());
    expect((await rotated.published()).keys.every((k) => k.d === undefined)).toBe(true);
    const verifier = verifierOf(rotated);
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({ sub: 'u1', sid: 's1' });
    await expect(verifier.verify(newToken)).resolves.toMatchObject({ sub: 'u2', sid: 's2' });

    // Step 3 (after the access token lifetime): the old key is removed; its tokens no longer verify.
    rmSync(join(dir, 'old.json'));
    const after = verifierOf(await ring());
    await expect(after.verify(newToken)).resolves.toMatchObject({ sub: 'u2' });
    await expect(after.verify(oldToken)).rejects.toThrow();
  });

  test('reads a mounted Secret: files behind ..data links, dot entries skipped', async () => {
    mkdirSync(join(dir, '..2026_01_01'));
    writeFileSync(join(dir, '..2026_01_01', 'current'), JSON.stringify(newKey.privateJwk));
    symlinkSync('..2026_01_01', join(dir, '..data'));
    symlinkSync(join('..data', 'current'), join(dir, 'current'));
    const keys = await loadSigningKeys(dir);
    expect(keys.map((k) => k.kid)).toEqual([newKey.kid]);
  });

  test('refuses what cannot sign safely, with a clear message', async () => {
    await expect(loadSigningKeys(dir)).rejects.toThrow(/holds no signing key/);
    writeFileSync(join(dir, 'pub.json'), JSON.stringify(oldKey.publicJwk));
    await expect(loadSigningKeys(dir)).rejects.toThrow(/private Ed25519 JWK/);
    writeFileSync(join(dir, 'pub.json'), 'not json');
    await expect(loadSigningKeys(dir)).rejects.toThrow(/not JSON/);
    writeFileSync(join(dir, 'pub.json'), JSON.stringify({ ...oldKey.privateJwk, alg: 'RS256' }));
    await expect(loadSigningKeys(dir)).rejects.toThrow(/alg must be EdDSA/);
    await expect(loadSigningKeys(join(dir, 'missing'))).rejects.toThrow(/cannot be read/);
  });

  test('several keys need an active kid that is among them', async () => {
    expect(() => activeKey([oldKey, newKey], '')).toThrow(/PARLEY_JWT_ACTIVE_KID must name/);
    expect(() => activeKey([oldKey, newKey], 'nope')).toThrow(/not among the keys/);
    expect(activeKey([oldKey, newKey], newKey.kid)).toBe(newKey);
    expect(activeKey([oldKey], '')).toBe(oldKey);
  });
});
