/**
 * The OCI image that `npm run image` builds, run as a container (test/support/oci-bundle.ts: runc,
 * non-root uid, read-only root): standalone answers /readyz and serves a chat; one mesh service
 * (auth) starts against the test infrastructure and stops cleanly on SIGTERM; the chart's setup Job
 * command creates a keyspace and topics of its own (removed afterwards) and exits 0.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { ImageBundle, IMAGE_LAYOUT, type Container } from '../support/oci-bundle';
import { freePort } from '../support/ports';
import { createDirect, makeWs, registerUser } from '../support/users';
import { eventually } from '../support/wait';
import { isPersistedAck, type TestSocket } from '../support/ws-client';

const TIMEOUT_MS = 180_000;
let image: ImageBundle;

beforeAll(() => {
  image = new ImageBundle();
}, 120_000);
afterAll(async () => {
  await image?.dispose();
}, 60_000);

async function ready(url: string, container: Container): Promise<void> {
  let exited: number | null | undefined;
  void container.exited.then((code) => (exited = code));
  try {
    await eventually(
      `${url} ready`,
      async () => {
        if (exited !== undefined) return;
        const res = await fetch(url);
        if (res.status !== 200) throw new Error(`status ${res.status}`);
      },
      90_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- container log ---\n${container.logs().slice(-3000)}`);
  }
  if (exited !== undefined) throw new Error(`container exited (${exited}) before ready\n--- container log ---\n${container.logs().slice(-3000)}`);
}

/** Where the test infrastructure is (infra/bin/parley-infra env), for a container on the host network. */
function infraEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PARLEY_KAFKA_BROKERS', 'PARLEY_CASSANDRA_CONTACT_POINTS', 'PARLEY_CASSANDRA_DC', 'PARLEY_POSTGRES_URL', 'PARLEY_REDIS_URL']) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}

describe('the OCI image', () => {
  test('config: non-root user, fixed labels, node on PATH, the standalone command', () => {
    const spec = image.imageSpec();
    expect(spec.process.user.uid).toBe(10001);
    expect(spec.process.args).toEqual(['node', 'dist/apps/standalone/src/main.js']);
    const index = JSON.parse(readFileSync(join(IMAGE_LAYOUT, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifest = JSON.parse(readFileSync(join(IMAGE_LAYOUT, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8')) as { annotations: Record<string, string> };
    expect(manifest.annotations['org.opencontainers.image.version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.annotations['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$|^unknown$/);
    expect(manifest.annotations['org.opencontainers.image.source']).toEqual(expect.any(String));
    expect(manifest.annotations['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('the root file system is read-only and the process runs as uid 10001 without capabilities', async () => {
    const probe = image.run('probe', {}, [
      'node',
      '-e',
      `const fs=require('fs');let ro=false;try{fs.writeFileSync('/app/x','y')}catch(e){ro=e.code==='EROFS'}
       fs.writeFileSync('/data/ok','1');fs.writeFileSync('/tmp/ok','1');
       const caps=fs.readFileSync('/proc/self/status','utf8').match(/CapEff:\\s*(\\w+)/)[1];
       console.log(JSON.stringify({uid:process.getuid(),ro,caps,uws:typeof require('uWebSockets.js').App,argon:require('@node-rs/argon2').hashSync('x').startsWith('$argon2id$')}))`,
    ]);
    expect(await probe.exited).toBe(0);
    const line = probe.logs().trim().split('\n').pop() ?? '';
    expect(JSON.parse(line)).toEqual({ uid: 10001, ro: true, caps: '0000000000000000', uws: 'function', argon: true });
  }, TIMEOUT_MS);

  test('standalone: /readyz, then two users chat over WebSocket; SIGTERM exits 0', async () => {
    const port = await freePort();
    const container = image.run('standalone', { PARLEY_HOST: '127.0.0.1', PARLEY_PORT: String(port), PARLEY_PASSWORD_HASH_COST: 'test', PARLEY_LOG_LEVEL: 'warn' });
    const baseUrl = `http://127.0.0.1:${port}`;
    await ready(`${baseUrl}/readyz`, container);
    const sockets: TestSocket[] = [];
    try {
      const alice = await registerUser(baseUrl, 'imgalice');
      const bob = await registerUser(baseUrl, 'imgbob');
      const conv = await createDirect(baseUrl, alice.accessToken, bob.user.id);
      const wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
      const aliceWs = await makeWs(wsUrl, alice.accessToken);
      const bobWs = await makeWs(wsUrl, bob.accessToken);
      sockets.push(aliceWs, bobWs);
      const id = aliceWs.sendFrameOnly(conv.id, 'hello from the image');
      const ack = await aliceWs.waitFor((f) => isPersistedAck(f) && f.client_msg_id === id, 'persisted ack');
      expect(ack).toMatchObject({ conversation_id: conv.id, seq: 1 });
      const delivered = await bobWs.waitForSeq(conv.id, 1);
      expect(delivered).toMatchObject({ body: { text: 'hello from the image' }, sender_id: alice.user.id });
    } finally {
      await Promise.all(sockets.map((s) => s.close().catch(() => undefined)));
    }
    expect(await container.stop()).toBe(0);
  }, TIMEOUT_MS);

  test('the setup Job command creates the keyspace, migrations and topics, then exits 0', async () => {
    const id = randomBytes(4).toString('hex');
    const env: Record<string, string> = { ...infraEnv(), PARLEY_MODE: 'mesh', PARLEY_KAFKA_NAME_PREFIX: `img-${id}.`, PARLEY_CASSANDRA_KEYSPACE: `img_${id}`, PARLEY_LOG_PARTITIONS: '2' };
    env.PARLEY_CASSANDRA_REPLICATION = `${env.PARLEY_CASSANDRA_DC ?? 'datacenter1'}:1`;
    const brokers = (env.PARLEY_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    const cassandra = new Client({ contactPoints: (env.PARLEY_CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','), localDataCenter: env.PARLEY_CASSANDRA_DC ?? 'datacenter1' });
    await Promise.all([admin.connect(), cassandra.connect()]);
    try {
      const setup = image.run('setup', env, ['node', 'dist/apps/setup/src/main.js']);
      expect(await setup.exited).toBe(0);
      expect((await admin.listTopics()).filter((t) => t.startsWith(`img-${id}.`)).sort()).toEqual([`img-${id}.parley.events.v1`, `img-${id}.parley.ingress.v1`]);
      const ks = await cassandra.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [`img_${id}`]);
      expect(ks.rows.map((r) => String(r.table_name)).sort()).toEqual(['message_buckets_by_conversation', 'messages_by_conversation']);
    } finally {
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`img-${id}.`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
      await cassandra.execute(`DROP KEYSPACE IF EXISTS img_${id}`);
      await Promise.all([admin.disconnect(), cassandra.shutdown()]);
    }
  }, TIMEOUT_MS);

  test('mesh: the auth service starts against the test infrastructure and answers /readyz on its admin port', async () => {
    const admin = await freePort();
    const grpc = await freePort();
    const env: Record<string, string> = { ...infraEnv(), PARLEY_MODE: 'mesh', PARLEY_ADMIN_PORT: String(admin), PARLEY_AUTH_ADDR: `127.0.0.1:${grpc}`, PARLEY_LOG_LEVEL: 'warn' };
    const container = image.run('auth', env, ['node', 'dist/apps/auth/src/main.js']);
    await ready(`http://127.0.0.1:${admin}/readyz`, container);
    expect(await container.stop()).toBe(0);
  }, TIMEOUT_MS);
});
