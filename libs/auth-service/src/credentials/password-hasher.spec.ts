import { AuthOptions, checkAuthOptions, PasswordHashCost } from '../auth.options';
import { PasswordHasher } from './password-hasher';

const OPTIONS: AuthOptions = { issuer: 'https://auth.parley.test', audience: 'parley-test', accessTtlSeconds: 900, refreshTtlSeconds: 3600 };

/** The `m=` and `t=` parameters that argon2 writes into every PHC hash string. */
function costOf(phc: string): { m: number; t: number } {
  const match = /\$m=(\d+),t=(\d+),p=\d+\$/.exec(phc);
  if (match === null) throw new Error(`not an argon2 PHC string: ${phc}`);
  return { m: Number(match[1]), t: Number(match[2]) };
}

describe('PasswordHasher cost', () => {
  beforeEach(() => {
    jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('hashes at the standard cost unless told otherwise', async () => {
    const h = await new PasswordHasher(OPTIONS).hash('correct horse');
    expect(h.startsWith('$argon2id$')).toBe(true);
    expect(costOf(h)).toEqual({ m: 19456, t: 2 });
    expect(process.emitWarning).not.toHaveBeenCalled();
  });

  it('hashes at the library minimum with the test cost, warns, and still verifies', async () => {
    const hasher = new PasswordHasher({ ...OPTIONS, passwordHashCost: 'test' });
    const h = await hasher.hash('correct horse');
    expect(costOf(h)).toEqual({ m: 8, t: 1 });
    await expect(hasher.verify(h, 'correct horse')).resolves.toBe(true);
    await expect(hasher.verify(h, 'wrong horse')).resolves.toBe(false);
    expect(process.emitWarning).toHaveBeenCalledWith(expect.stringMatching(/never in production/), expect.anything());
  });

  it('verifies hashes of either cost whatever its own cost (the parameters live in each hash)', async () => {
    const standard = await new PasswordHasher(OPTIONS).hash('pw-12345678');
    const cheap = new PasswordHasher({ ...OPTIONS, passwordHashCost: 'test' });
    await expect(cheap.verify(standard, 'pw-12345678')).resolves.toBe(true);
  });

  it('rejects an unknown cost at boot', () => {
    expect(() => checkAuthOptions({ ...OPTIONS, passwordHashCost: 'cheap' as PasswordHashCost })).toThrow(/passwordHashCost/);
    expect(checkAuthOptions({ ...OPTIONS, passwordHashCost: 'test' }).passwordHashCost).toBe('test');
  });
});
