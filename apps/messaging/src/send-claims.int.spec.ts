import { randomBytes } from 'node:crypto';
import { PgSqlDb } from '@parley/adapters';
import { ClaimRequest, ConversationRepository, SendClaim, SendClaimsRepository, claimKey, messagingMigrations } from '@parley/messaging-service';
import { runMigrations } from '@parley/ports';

// The claim statement against a real Postgres with real concurrency (PGlite runs one statement at
// a time): owners racing on one conversation, as during a takeover. Tables live in a schema of
// their own, dropped afterwards. (An app's spec: it wires the real Postgres adapter to the service.)
const postgresUrl = process.env.PARLEY_POSTGRES_URL || 'postgres://parley:parley@127.0.0.1:55432/parley';
const uniqueName = (prefix: string) => `${prefix}.${Date.now().toString(36)}.${randomBytes(4).toString('hex')}`;
const schema = uniqueName('claims_it').replace(/[^a-z0-9_]/g, '_');
let admin: PgSqlDb;
let db: PgSqlDb;
let claims: SendClaimsRepository;
let repo: ConversationRepository;

beforeAll(async () => {
  admin = new PgSqlDb({ connectionString: postgresUrl, maxConnections: 1, connectTimeoutMs: 3000 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  // The adapter's `schema` sets both the connections' search_path and Prisma Client's schema.
  db = new PgSqlDb({ connectionString: postgresUrl, schema, maxConnections: 8 });
  await runMigrations(db, messagingMigrations);
  claims = new SendClaimsRepository(db);
  repo = new ConversationRepository(db);
});

afterAll(async () => {
  await db?.close();
  await admin?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.close();
});

async function conversation(): Promise<string> {
  const id = uniqueName('conv');
  const at = new Date().toISOString();
  await repo.create({ id, type: 'group', title: null, created_at: at, member_count: 1, last_seq: 0, last_activity_at: at }, null, [{ userId: 'alice', role: 'admin' }]);
  return id;
}

const sends = (prefix: string, n: number, owner: string): ClaimRequest[] =>
  Array.from({ length: n }, (_, i) => ({ sender_id: `user-${i % 3}`, client_msg_id: `${prefix}-${i}`, message_id: `${owner}-${prefix}-${i}` }));

describe('SendClaimsRepository on Postgres', () => {
  it('gives racing owners of one conversation one seq per send, dense, whoever claims first', async () => {
    const conv = await conversation();
    const at = new Date().toISOString();
    // Two owners claim the same batches (a zombie and its successor), a third claims other sends.
    const runs = await Promise.all([
      claims.claimBatch(conv, sends('shared', 40, 'a'), at),
      claims.claimBatch(conv, sends('shared', 40, 'b'), at),
      claims.claimBatch(conv, sends('other', 25, 'c'), at),
      claims.claimBatch(conv, sends('shared', 40, 'd'), at),
    ]);
    const all = new Map<string, SendClaim>();
    for (const run of runs) {
      for (const [key, claim] of run) {
        const seen = all.get(key);
        if (seen) expect([seen.seq, seen.message_id]).toEqual([claim.seq, claim.message_id]);
        else all.set(key, claim);
      }
    }
    expect(all.size).toBe(65);
    expect([...all.values()].map((c) => c.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    // Each send was created by exactly one owner.
    const createdCount = runs.flatMap((run) => [...run.values()]).filter((c) => c.created).length;
    expect(createdCount).toBe(65);
    expect((await repo.get(conv))?.last_seq).toBe(65);
    // The shared batch kept its order inside whichever owner allocated it.
    const shared = sends('shared', 40, 'x').map((s) => all.get(claimKey(s.sender_id, s.client_msg_id))?.seq as number);
    expect(shared).toEqual([...shared].sort((a, b) => a - b));
  });

  it('answers a repeat inside a batch and across batches with the first claim', async () => {
    const conv = await conversation();
    const at = new Date().toISOString();
    const first = await claims.claimBatch(conv, [
      { sender_id: 'alice', client_msg_id: 'm1', message_id: 'id-1' },
      { sender_id: 'alice', client_msg_id: 'm1', message_id: 'id-1b' },
      { sender_id: 'bob', client_msg_id: 'm1', message_id: 'id-2' },
    ], at);
    expect([...first.values()].map((c) => [c.seq, c.message_id, c.created])).toEqual([[1, 'id-1', true], [2, 'id-2', true]]);
    const again = await claims.claimBatch(conv, [{ sender_id: 'bob', client_msg_id: 'm1', message_id: 'id-3' }, { sender_id: 'carol', client_msg_id: 'm9', message_id: 'id-4' }], at);
    expect(again.get(claimKey('bob', 'm1'))).toMatchObject({ seq: 2, message_id: 'id-2', created: false });
    expect(again.get(claimKey('carol', 'm9'))).toMatchObject({ seq: 3, message_id: 'id-4', created: true });
  });

  it('fails a batch for a conversation that does not exist, claiming nothing', async () => {
    await expect(claims.claimBatch(uniqueName('missing'), sends('x', 2, 'a'), new Date().toISOString())).rejects.toThrow(/vanished/);
  });
});
