import {
  AppendResult,
  ConversationEvent,
  Consumer,
  ConsumerOptions,
  EmbeddedEventLog,
  EventLog,
  MemoryPresenceStore,
  MemoryRouteTable,
  PgliteSqlDb,
  presenceRouteKey,
  Topics,
  eventLogMigrations,
  runMigrations,
} from '@parley/ports';
import { CountingRelationalDb } from './__tests__/counting-relational-db';
import { presenceMigrations } from './presence.migrations';
import { PresenceService } from './presence.service';

type PresenceChanged = Extract<ConversationEvent, { type: 'presence.changed' }>;

/** The real embedded log, remembering presence events by user. */
class RecordingLog implements EventLog {
  readonly events: Array<{ topic: string; key: string; value: PresenceChanged }> = [];

  constructor(private readonly inner: EventLog) {}

  async append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    const result = await this.inner.append(topic, key, value, headers);
    this.events.push({ topic, key, value: value as PresenceChanged });
    return result;
  }
  consume<T>(options: ConsumerOptions<T>): Promise<Consumer> {
    return this.inner.consume(options);
  }
  healthy(): Promise<boolean> {
    return this.inner.healthy();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  of(userId: string): PresenceChanged[] {
    return this.events.filter((e) => e.key === userId).map((e) => e.value);
  }
}

const TTL = 30_000;

let db: PgliteSqlDb;
let embedded: EmbeddedEventLog;
let userSeq = 0;

beforeAll(async () => {
  db = await PgliteSqlDb.open(undefined);
  await runMigrations(db, [...presenceMigrations, ...eventLogMigrations]);
  embedded = new EmbeddedEventLog({ db, partitions: 4, retentionIntervalMs: 0, pollIntervalMs: 600_000 });
});

afterAll(async () => {
  await embedded?.close();
  await db?.close();
});

function setup() {
  let now = Date.parse('2030-01-01T00:00:00.000Z');
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const store = new MemoryPresenceStore({ now: clock.now });
  const routes = new MemoryRouteTable({ now: clock.now });
  const log = new RecordingLog(embedded);
  const presence = new PresenceService(store, routes, db.relational(), log, { connectionTtlMs: TTL });
  // Presence is announced only for users some gateway watches: each user gets a watching gateway
  // unless the test says otherwise (the route outlives every clock jump of these tests).
  const user = (watched = true) => {
    const id = `user-${process.pid}-${userSeq++}`;
    if (watched) void routes.register(presenceRouteKey(id), 'gw-watcher', 24 * 3600_000);
    return id;
  };
  return { clock, store, routes, log, presence, user };
}

const statuses = (events: PresenceChanged[]) => events.map((e) => e.status);

describe('PresenceService', () => {
  it('announces nothing for a user no gateway watches, and still tracks them', async () => {
    const { presence, log, user } = setup();
    const loner = user(false);
    await presence.connected(loner, 'conn-1', 'gw-a');
    expect((await presence.get(loner)).status).toBe('online');
    await presence.disconnected(loner, 'conn-1');
    expect((await presence.get(loner)).status).toBe('offline');
    expect(log.of(loner)).toEqual([]);
  });

  it("reads last_seen only for a user some gateway watches (a connect storm's users mostly have no watcher)", async () => {
    const { store, routes, log, user } = setup();
    const counting = new CountingRelationalDb(db.relational());
    const reads = () => counting.statements.filter((s) => s === 'SELECT');
    const presence = new PresenceService(store, routes, counting, log, { connectionTtlMs: TTL });
    const loner = user(false);
    await presence.connected(loner, 'conn-1', 'gw-a');
    expect(reads()).toEqual([]);
    const watched = user();
    await presence.connected(watched, 'conn-2', 'gw-a');
    expect(reads()).toHaveLength(1);
    expect(log.of(watched)).toEqual([{ type: 'presence.changed', user_id: watched, status: 'online', last_seen_at: null }]);
  });

  it('announces online when the first socket connects, and only then', async () => {
    const { presence, log, user } = setup();
    const alice = user();
    await presence.connected(alice, 'conn-1', 'gw-a');
    await presence.connected(alice, 'conn-2', 'gw-b');
    expect(log.of(alice)).toEqual([{ type: 'presence.changed', user_id: alice, status: 'online', last_seen_at: null }]);
    expect(log.events.find((e) => e.key === alice)?.topic).toBe(Topics.events);
    expect(await presence.get(alice)).toEqual({ user_id: alice, status: 'online', last_seen_at: null });
  });

  it('announces offline when the last socket closes, and remembers when', async () => {
    const { presence, log, user } = setup();
    const alice = user();
    await presence.connected(alice, 'conn-1', 'gw-a');
    await presence.connected(alice, 'conn-2', 'gw-b');
    await presence.disconnected(alice, 'conn-1');
    expect(statuses(log.of(alice))).toEqual(['online']);

    await presence.disconnected(alice, 'conn-2');
    const offline = log.of(alice)[1];
    expect(offline).toMatchObject({ type: 'presence.changed', user_id: alice, status: 'offline' });
    expect(Number.isNaN(Date.parse(offline.last_seen_at ?? ''))).toBe(false);
    expect(await presence.get(alice)).toEqual({ user_id: alice, status: 'offline', last_seen_at: offline.last_seen_at });
  });

  it('does not announce a close it does not know, or a second close of the same socket', async () => {
    const { presence, log, user } = setup();
    const alice = user();
    await presence.disconnected(alice, 'never-opened');
    await presence.connected(alice, 'conn-1', 'gw-a');
    await presence.disconnected(alice, 'conn-1');
    await presence.disconnected(alice, 'conn-1');
    expect(statuses(log.of(alice))).toEqual(['online', 'offline']);
  });

  it('keeps last seen across service instances, and shows it when the user comes back', async () => {
    const first = setup();
    const alice = first.user();
    await first.presence.connected(alice, 'conn-1', 'gw-a');
    await first.presence.disconnected(alice, 'conn-1');
    const lastSeen = first.log.of(alice)[1].last_seen_at;

    // A new process: connection state is gone, last seen is in the database.
    const second = setup();
    await second.routes.register(presenceRouteKey(alice), 'gw-watcher', 3600_000);
    expect(await second.presence.get(alice)).toEqual({ user_id: alice, status: 'offline', last_seen_at: lastSeen });
    await second.presence.connected(alice, 'conn-2', 'gw-b');
    expect(second.log.of(alice)).toEqual([{ type: 'presence.changed', user_id: alice, status: 'online', last_seen_at: lastSeen }]);
  });

  it('answers offline with no last seen for a user never seen', async () => {
    const { presence, user } = setup();
    const ghost = user();
    expect(await presence.get(ghost)).toEqual({ user_id: ghost, status: 'offline', last_seen_at: null });
  });

  it("sweeps a dead gateway's users offline once, keeping the users of gateways that heartbeat", async () => {
    const { presence, log, clock, user } = setup();
    const [alice, bob, carol] = [user(), user(), user()];
    await presence.connected(alice, 'conn-1', 'gw-dead');
    await presence.connected(bob, 'conn-2', 'gw-live');
    await presence.connected(carol, 'conn-3', 'gw-dead');
    await presence.connected(carol, 'conn-4', 'gw-live');

    clock.advance(TTL / 2);
    await presence.gatewayHeartbeat('gw-live');
    clock.advance(TTL / 2 + 1);
    expect(await presence.sweep(clock.now())).toBe(1);
    expect(await presence.sweep(clock.now())).toBe(0);

    expect(statuses(log.of(alice))).toEqual(['online', 'offline']);
    expect(log.of(alice)[1].last_seen_at).toBe(new Date(clock.now()).toISOString());
    expect(statuses(log.of(bob))).toEqual(['online']);
    expect(statuses(log.of(carol))).toEqual(['online']);
    expect((await presence.get(alice)).status).toBe('offline');
    expect((await presence.get(alice)).last_seen_at).toBe(new Date(clock.now()).toISOString());
    expect((await presence.get(carol)).status).toBe('online');
  });

  it("keeps a gateway's conversation routes alive with its heartbeat", async () => {
    const { presence, routes, clock } = setup();
    await routes.register('c-live', 'gw-live', TTL);
    await routes.register('c-dead', 'gw-dead', TTL);
    clock.advance(TTL - 1);
    await presence.gatewayHeartbeat('gw-live');
    clock.advance(TTL - 1);
    expect(await routes.gatewaysFor('c-live')).toEqual(['gw-live']);
    expect(await routes.gatewaysFor('c-dead')).toEqual([]);
  });

  it('never moves last seen backwards', async () => {
    const { presence, clock, user } = setup();
    const alice = user();
    await presence.connected(alice, 'conn-1', 'gw-a');
    clock.advance(TTL + 1);
    const later = clock.now() + 3_600_000;
    await presence.sweep(later);
    await presence.connected(alice, 'conn-2', 'gw-a');
    clock.advance(TTL + 1);
    await presence.sweep(clock.now());
    expect((await presence.get(alice)).last_seen_at).toBe(new Date(later).toISOString());
  });
});
