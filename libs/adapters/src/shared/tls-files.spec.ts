import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlsConnectionOptions } from './tls-files';

describe('tlsConnectionOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-files-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files and always verifies the chain; the name too unless told not to', () => {
    const ca = file('ca.pem', 'CA');
    const cert = file('c.pem', 'CERT');
    const key = file('k.pem', 'KEY');
    const options = tlsConnectionOptions({ caFile: ca, certFile: cert, keyFile: key });
    expect(options).toEqual({ rejectUnauthorized: true, ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    const chainOnly = tlsConnectionOptions({ caFile: ca }, false);
    expect(chainOnly.rejectUnauthorized).toBe(true);
    expect(chainOnly.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
    expect(tlsConnectionOptions({})).toEqual({ rejectUnauthorized: true });
  });

  it('refuses a certificate without its key and names a file it cannot read', () => {
    expect(() => tlsConnectionOptions({ certFile: join(dir, 'c.pem') })).toThrow(/certFile and keyFile go together/);
    expect(() => tlsConnectionOptions({ caFile: join(dir, 'missing.pem') })).toThrow(/cannot read the CA file .*missing\.pem: ENOENT/);
  });
});
