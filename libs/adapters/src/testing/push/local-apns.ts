import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeApnsServer } from './fake-apns.server';
import { makeTestTls, TestTls } from './test-ca';

export interface LocalApns {
  apns: FakeApnsServer;
  tls: TestTls;
  /** The settings that point Parley's APNs provider at this server (key file, address, CA). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A local APNs for end-to-end and scale suites: a test CA, a fresh .p8 token-signing key, and the
 * fake server (HTTP/2 + TLS) that checks tokens signed with it.
 */
export async function startLocalApns(): Promise<LocalApns> {
  const tls = makeTestTls(['localhost']);
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyFile = join(tls.dir, 'AuthKey.p8');
  writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const apns = new FakeApnsServer(tls, keys.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const port = await apns.start();
  return {
    apns,
    tls,
    env: { PARLEY_PUSH_APNS_KEY_FILE: keyFile, PARLEY_PUSH_APNS_ADDRESS: `localhost:${port}`, PARLEY_PUSH_CA_FILE: join(tls.dir, 'ca.pem') },
    stop: async () => {
      await apns.stop();
      tls.cleanup();
    },
  };
}
