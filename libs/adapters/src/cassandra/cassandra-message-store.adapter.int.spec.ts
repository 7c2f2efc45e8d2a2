import { AddressInfo, Socket, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Message } from '@parley/domain';
import { Client } from 'cassandra-driver';
import { describeMessageStoreContract, sleep, uniqueName } from '../../../ports/src/contract';
import { closedPort, hostPort, integrationEnv, requireServer } from '../testing/integration-env';
import { recordingLogger } from '../testing/recording-logger';
import { TcpProxy } from '../testing/tcp-proxy';
import { CassandraMessageStore } from './cassandra-message-store.adapter';

const contactPoints = integrationEnv.cassandraContactPoints;
const localDataCenter = integrationEnv.cassandraDc;
/** One keyspace per run, dropped afterwards. */
const keyspace = `parley_it_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

let admin: Client | null = null;

async function open(options: { bucketSize?: number; createSchema?: boolean } = {}): Promise<CassandraMessageStore> {
  await requireServer('cassandra', contactPoints[0]);
  return CassandraMessageStore.connect({ contactPoints, localDataCenter, keyspace, logger: recordingLogger(), createSchema: false, ...options });
}

beforeAll(async () => {
  await requireServer('cassandra', contactPoints[0]);
  const store = await open({ createSchema: true });
  await store.close();
  admin = new Client({ contactPoints, localDataCenter });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await admin?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await admin?.shutdown();
}, 60_000);

describeMessageStoreContract('cassandra', async () => {
  const store = await open();
  return { store, cleanup: () => store.close() };
});

// Three messages per partition: every multi-message test of the suite crosses buckets.
describeMessageStoreContract('cassandra, 3 messages per bucket', async () => {
  const store = await open({ bucketSize: 3 });
  return { store, cleanup: () => store.close() };
});

function message(conversationId: string, seq: number, overrides: Partial<Message> = {}): Message {
  return {
    id: `${conversationId}-m${seq}`,
    conversation_id: conversationId,
    seq,
    sender_id: 'user-1',
    client_msg_id: `c-${seq}`,
    body: { text: `message ${seq}` },
    created_at: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, seq)).toISOString(),
    ...overrides,
  };
}

describe('CassandraMessageStore on a real server', () => {
  let store: CassandraMessageStore;

  beforeAll(async () => {
    store = await open({ bucketSize: 4 });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('pages a long conversation across many buckets, in both directions', async () => {
    const id = uniqueName('conv');
    const messages = Array.from({ length: 30 }, (_, i) => message(id, i + 1));
    await Promise.all(messages.map((m) => store.insert(m)));

    expect(await store.lastSeq(id)).toBe(30);
    expect(await store.after(id, 0, 30)).toEqual(messages);
    expect(await store.after(id, 6, 11)).toEqual(messages.slice(6, 17));
    expect(await store.before(id, 30, 13)).toEqual(messages.slice(16, 29));
    expect(await store.latest(id, 9)).toEqual(messages.slice(21));
    const buckets = await admin!.execute(`SELECT bucket FROM ${keyspace}.message_buckets_by_conversation WHERE conversation_id = ?`, [id], { prepare: true });
    expect(buckets.rows.map((r) => Number(r.bucket))).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('ignores a bucket row whose messages were never written (a crash between the writes)', async () => {
    const id = uniqueName('conv');
    await store.insert(message(id, 1));
    await store.insert(message(id, 2));
    // A bucket far ahead, as a write that died after its bucket row leaves it.
    await admin!.execute(`INSERT INTO ${keyspace}.message_buckets_by_conversation (conversation_id, bucket) VALUES (?, ?)`, [id, 40], { prepare: true });

    expect(await store.lastSeq(id)).toBe(2);
    expect(await store.latest(id, 5)).toEqual([message(id, 1), message(id, 2)]);
    expect(await store.atSeq(id, 3)).toBeNull();
    // Writing the claimed message again completes it.
    const retried = message(id, 3, { id: 'retried', client_msg_id: 'c-lost' });
    await store.insertClaimed([retried]);
    expect(await store.atSeq(id, 3)).toEqual(retried);
    expect(await store.lastSeq(id)).toBe(3);
  });

  it('writes one row per claimed message and no client_msg_id index (the send ledger holds that mapping)', async () => {
    const id = uniqueName('conv');
    await store.insertClaimed([message(id, 1), message(id, 2)]);
    const tables = await admin!.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace], { prepare: true });
    expect(tables.rows.map((r) => String(r.table_name)).sort()).toEqual(['message_buckets_by_conversation', 'messages_by_conversation']);
    const rows = await admin!.execute(`SELECT seq FROM ${keyspace}.messages_by_conversation WHERE conversation_id = ? AND bucket = ?`, [id, 0], { prepare: true });
    expect(rows.rows.map((r) => Number(r.seq))).toEqual([1, 2]);
  });

  it('rejects bad input before it reaches the cluster', async () => {
    const id = uniqueName('conv');
    await expect(store.insert(message(id, 0))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.insert(message(id, 1, { created_at: 'yesterday' }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.after(id, -1, 10)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(store.latest(id, 1_000_000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is healthy while open, answers UNAVAILABLE after close() and is then unhealthy', async () => {
    const closing = await open();
    expect(await closing.healthy()).toBe(true);
    await closing.close();
    await expect(closing.lastSeq(uniqueName('conv'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await closing.healthy()).toBe(false);
  });
});

describe('CassandraMessageStore with the server down', () => {
  it('fails to connect with UNAVAILABLE when nothing listens', async () => {
    const port = await closedPort();
    await expect(
      CassandraMessageStore.connect({ contactPoints: [`127.0.0.1:${port}`], localDataCenter, keyspace, connectTimeoutMs: 1000, logger: recordingLogger() }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  }, 10_000);

  it('fails to connect with UNAVAILABLE when a server accepts and then drops the connection, leaving no timer behind', async () => {
    // The driver used to keep the half-open connection's heartbeat timer after this, so Jest never
    // exited (cassandra-driver-fixes.ts); the integration tier runs without --forceExit to catch it.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      setTimeout(() => socket.destroy(), 200);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(
        CassandraMessageStore.connect({ contactPoints: [`127.0.0.1:${port}`], localDataCenter, keyspace, connectTimeoutMs: 1000, logger: recordingLogger() }),
      ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 15_000);

  it('answers UNAVAILABLE while the node is away, reports unhealthy, and recovers when it is back', async () => {
    await requireServer('cassandra', contactPoints[0]);
    const proxy = await TcpProxy.start(hostPort(contactPoints[0]));
    const store = await CassandraMessageStore.connect({
      contactPoints: [proxy.address],
      localDataCenter,
      keyspace,
      requestTimeoutMs: 1000,
      logger: recordingLogger(),
    });
    const id = uniqueName('conv');
    try {
      await store.insert(message(id, 1));
      await proxy.down();
      await expect(store.insert(message(id, 2))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.lastSeq(id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await store.healthy()).toBe(false);
      await proxy.up();
      for (let i = 0; i < 150 && !(await store.healthy()); i++) await sleep(100);
      expect(await store.lastSeq(id)).toBe(1);
    } finally {
      await store.close();
      await proxy.down();
    }
  }, 30_000);
});
