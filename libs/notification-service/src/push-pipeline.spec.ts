import { PgliteSqlDb } from '@parley/ports';
import { APNS_TOKEN, FCM_TOKEN, openPushDb, pushHarness } from './__tests__/push-harness';
import { PushOutboxRepository } from './storage/push-outbox.repository';

type H = Awaited<ReturnType<typeof pushHarness>>;

describe('push pipeline (PGlite, scripted providers)', () => {
  let h: H;
  let db: PgliteSqlDb;
  beforeAll(async () => {
    db = await openPushDb();
  }, 60_000);
  afterAll(() => db.close());
  const setup = async (opts: Parameters<typeof pushHarness>[1] = {}) => {
    h = await pushHarness(db, opts);
    h.members.members.set('c-1', ['u-alice', 'u-bob']);
    await h.settings.registerDevice('u-bob', 's-bob', { platform: 'apns', token: APNS_TOKEN, app_id: 'com.example.chat', sandbox: true, locale: null });
  };

  it('coalesces a burst into one collapsed push carrying the count and the badge', async () => {
    await setup({ coalesceMs: 150 });
    h.members.unread.set('u-bob', 3);
    await h.feed(h.message('c-1', 'u-alice', 'one'), h.message('c-1', 'u-alice', 'two'), h.message('c-1', 'u-alice', 'three'));
    await h.drain();
    expect(h.apns.sent).toHaveLength(1);
    expect(h.apns.sent[0]).toMatchObject({
      kind: 'alert', token: APNS_TOKEN, app_id: 'com.example.chat', sandbox: true, collapse_id: 'c:c-1', title: 'Alice', body: 'three (+2)', badge: 3, count: 3,
      data: { conversation_id: 'c-1', seq: '3' },
    });
    const sent = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM push_outbox WHERE sent_at IS NOT NULL`);
    expect(sent.rows[0].n).toBe(3);
  });

  it('pushes a (user, conversation, seq) once even when the events are replayed', async () => {
    await setup();
    const event = h.message('c-1', 'u-alice', 'hello');
    await h.feed(event);
    await h.drain();
    await h.feed(event, event);
    await h.drain();
    expect(h.apns.sent).toHaveLength(1);
  });

  it('skips the sender, members online, muted conversations and level none; mentions-only needs a mention', async () => {
    await setup();
    h.members.members.set('c-1', ['u-alice', 'u-bob', 'u-carol', 'u-dan']);
    await h.settings.registerDevice('u-carol', 's-c', { platform: 'fcm', token: FCM_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: 'de' });
    await h.settings.registerDevice('u-alice', 's-a', { platform: 'fcm', token: FCM_TOKEN + 'a', app_id: 'com.example.chat', sandbox: false, locale: null });
    await h.settings.registerDevice('u-dan', 's-d', { platform: 'fcm', token: FCM_TOKEN + 'd', app_id: 'com.example.chat', sandbox: false, locale: null });
    await h.presence.connect('u-dan', 'conn-1', 'gw-1', 60_000);
    await h.settings.setConversationSettings('u-bob', 'c-1', { muted_until: new Date(Date.now() + 3600_000).toISOString() });
    await h.settings.setConversationSettings('u-carol', 'c-1', { level: 'mentions' });
    await h.feed(h.message('c-1', 'u-alice', 'no mention'));
    await h.drain();
    expect(h.apns.sent).toHaveLength(0);
    expect(h.fcm.sent).toHaveLength(0);
    await h.feed(h.message('c-1', 'u-alice', 'hey @carol', { mentions: ['u-carol'] }));
    await h.drain();
    expect(h.fcm.sent.map((m) => m.token)).toEqual([FCM_TOKEN]);
    await h.settings.setConversationSettings('u-bob', 'c-1', { muted_until: null, level: 'none' });
    await h.feed(h.message('c-1', 'u-alice', 'still nothing for bob'));
    await h.drain();
    expect(h.apns.sent).toHaveLength(0);
  });

  it('never pushes an anonymous sender their own message (issue 14: the event names the user behind the pseudonym)', async () => {
    await setup();
    await h.settings.registerDevice('u-alice', 's-a', { platform: 'fcm', token: FCM_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: null });
    await h.feed({ ...h.message('c-1', 'p-abcdefghijklmnop', 'from a mask'), sender_user_id: 'u-alice' } as Parameters<H['feed']>[0]);
    await h.drain();
    expect(h.fcm.sent).toHaveLength(0);
    expect(h.apns.sent).toHaveLength(1);
  });

  it('above the large-group threshold pushes only the mentioned, without listing members', async () => {
    await setup({ threshold: 2 });
    h.members.counts.set('c-big', 10_000);
    h.members.memberIds = async () => {
      throw new Error('no member scan for a large group');
    };
    await h.settings.registerDevice('u-carol', 's-c', { platform: 'fcm', token: FCM_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: null });
    await h.feed(h.message('c-big', 'u-alice', 'to all'), h.message('c-big', 'u-alice', '@carol look', { mentions: ['u-carol'] }));
    await h.drain();
    expect(h.fcm.sent.map((m) => [m.token, m.data.seq])).toEqual([[FCM_TOKEN, '2']]);
    expect(h.apns.sent).toHaveLength(0);
  });

  it('lists a small group\'s members once, until a membership event for it arrives', async () => {
    await setup();
    let lookups = 0;
    const list = h.members.memberIds.bind(h.members);
    h.members.memberIds = async (c: string, limit: number) => {
      lookups++;
      return list(c, limit);
    };
    await h.settings.registerDevice('u-carol', 's-c', { platform: 'fcm', token: FCM_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: null });
    await h.feed(h.message('c-1', 'u-alice', 'one'), h.message('c-1', 'u-alice', 'two'));
    expect(lookups).toBe(1);
    h.members.members.set('c-1', ['u-alice', 'u-bob', 'u-carol']);
    await h.feed({ type: 'member.added', conversation_id: 'c-1', user_ids: ['u-carol'] }, h.message('c-1', 'u-alice', 'three'));
    expect(lookups).toBe(2);
    await h.drain();
    expect(h.fcm.sent.map((m) => m.data.seq)).toEqual(['3']);
  });

  it('hides previews when asked', async () => {
    await setup();
    await h.settings.setPrefs('u-bob', { hide_previews: true });
    h.members.titles.set('c-1', 'Team');
    await h.feed(h.message('c-1', 'u-alice', 'secret'));
    await h.drain();
    expect(h.apns.sent[0]).toMatchObject({ title: 'Team', body: 'New message' });
  });

  it('sends a silent clearing push once the read marker passes what was pushed, and nothing when read before the push', async () => {
    await setup();
    await h.feed(h.message('c-1', 'u-alice', 'one'));
    await h.drain();
    h.members.unread.set('u-bob', 0);
    await h.feed({ type: 'read.updated', conversation_id: 'c-1', user_id: 'u-bob', seq: 1, member_count: 2 });
    await h.drain();
    expect(h.apns.sent.map((m) => [m.kind, m.badge])).toEqual([['alert', 0], ['clear', 0]]);
    await h.feed({ type: 'read.updated', conversation_id: 'c-1', user_id: 'u-bob', seq: 1, member_count: 2 });
    await h.drain();
    expect(h.apns.sent).toHaveLength(2);

    const slow = await pushHarness(db, { coalesceMs: 300 });
    {
      slow.members.members.set('c-1', ['u-alice', 'u-bob']);
      await slow.settings.registerDevice('u-bob', 's', { platform: 'apns', token: APNS_TOKEN, app_id: 'a.b', sandbox: false, locale: null });
      await slow.feed(slow.message('c-1', 'u-alice', 'one'), { type: 'read.updated', conversation_id: 'c-1', user_id: 'u-bob', seq: 1, member_count: 2 });
      await slow.drain();
      expect(slow.apns.sent).toHaveLength(0);
    }
  });

  it('removes dead tokens, retries with backoff, and gives up after the attempts', async () => {
    await setup();
    await h.settings.registerDevice('u-bob', 's-bob', { platform: 'fcm', token: FCM_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: null });
    h.apns.script = [{ status: 'dead-token', reason: 'Unregistered' }];
    h.fcm.script = [{ status: 'retry', reason: '503' }, { status: 'accepted' }];
    await h.feed(h.message('c-1', 'u-alice', 'hi'));
    await h.drain();
    expect(h.apns.sent).toHaveLength(1);
    expect(h.fcm.sent).toHaveLength(2);
    expect((await h.settings.listDevices('u-bob', 's-bob')).map((d) => d.platform)).toEqual(['fcm']);
    h.fcm.script = [{ status: 'retry', reason: '429' }, { status: 'retry', reason: '429' }, { status: 'retry', reason: '429' }];
    await h.feed(h.message('c-1', 'u-alice', 'again'));
    await h.drain();
    expect(h.fcm.sent).toHaveLength(5);
    expect(await h.metrics.dropped.get()).toMatchObject({ values: [{ labels: { reason: 'attempts_exhausted' }, value: 1 }] });
  });

  it('leases a due row to one claimer until the lease runs out or the row is handed back; counts and prunes the ledger', async () => {
    await setup();
    const outbox = new PushOutboxRepository(db.relational());
    await h.feed(h.message('c-1', 'u-alice', 'hi'));
    expect(await outbox.depth()).toBe(1);
    const [row, ...none] = await outbox.claim(10, 200);
    expect(none).toEqual([]);
    expect(row).toMatchObject({ user_id: 'u-bob', conversation_id: 'c-1', last_seq: 1, pending: 1, preview: 'hi', sender_id: 'u-alice', clear_due: false, pushed_seq: 0, attempts: 0, accepted_tokens: [] });
    expect(Date.parse(row.first_persisted_at ?? '')).not.toBeNaN();
    expect(await outbox.claim(10, 200)).toEqual([]); // leased: another dispatcher gets nothing
    await new Promise((r) => setTimeout(r, 300));
    expect((await outbox.claim(10, 60_000)).map((r) => r.user_id)).toEqual(['u-bob']); // the lease ran out
    await outbox.retryLater(row, 0, [APNS_TOKEN]);
    const [again] = await outbox.claim(10, 60_000);
    expect(again).toMatchObject({ user_id: 'u-bob', attempts: 1, accepted_tokens: [APNS_TOKEN] });
    await outbox.alertsDone([again], 0);
    expect(await outbox.depth()).toBe(0);
    expect(await outbox.claim(10, 60_000)).toEqual([]);
    expect((await db.query<{ sent: boolean }>(`SELECT sent_at IS NOT NULL AS sent FROM push_outbox`)).rows).toEqual([{ sent: true }]);
    expect(await outbox.prune(3600_000)).toBe(0);
    expect(await outbox.prune(0)).toBe(1);
  });

  it('opens the breaker after consecutive failures and holds pushes instead of calling the provider', async () => {
    await setup();
    h.apns.script = [{ status: 'retry', reason: '503' }, { status: 'retry', reason: '503' }, { status: 'retry', reason: '503' }];
    for (const u of ['u-c', 'u-d', 'u-e', 'u-f']) {
      h.members.members.set(`c-${u}`, ['u-alice', u]);
      await h.settings.registerDevice(u, 's', { platform: 'apns', token: u.replace('u-', '').repeat(64), app_id: 'a.b', sandbox: false, locale: null });
    }
    for (const u of ['u-c', 'u-d', 'u-e']) await h.feed(h.message(`c-${u}`, 'u-alice', 'x'));
    await h.dispatcher.runOnce();
    expect(h.apns.sent).toHaveLength(3);
    await h.feed(h.message('c-u-f', 'u-alice', 'x'));
    await h.dispatcher.runOnce();
    expect(h.apns.sent).toHaveLength(3); // held in the outbox, not sent
    const breakerOpen = (await h.metrics.sent.get()).values.find((v) => v.labels.outcome === 'breaker_open');
    expect(breakerOpen?.value).toBe(4); // the new push and the three retries due meanwhile
  });

  it('bounds the outbox: past the maximum new pushes are dropped and counted', async () => {
    await setup({ outboxMax: 1, coalesceMs: 60_000 });
    h.members.members.set('c-2', ['u-alice', 'u-bob']);
    await h.feed(h.message('c-1', 'u-alice', 'kept'));
    await new Promise((r) => setTimeout(r, 1100)); // the depth is re-read at most once a second
    await h.feed(h.message('c-2', 'u-alice', 'dropped'));
    expect((await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM push_state`)).rows[0].n).toBe(1);
    expect(await h.metrics.dropped.get()).toMatchObject({ values: [{ labels: { reason: 'outbox_full' }, value: 1 }] });
  });

  it('moves a token to the user who registers it last, and drops a revoked session\'s devices', async () => {
    await setup();
    await h.settings.registerDevice('u-carol', 's-carol', { platform: 'apns', token: APNS_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: 'en-GB' });
    expect(await h.settings.listDevices('u-bob', 's-bob')).toEqual([]);
    expect(await h.settings.listDevices('u-carol', 's-carol')).toMatchObject([{ token: APNS_TOKEN, current_session: true, locale: 'en-GB' }]);
    await h.feed({ type: 'session.revoked', user_id: 'u-carol', session_id: 's-carol' });
    expect(await h.settings.listDevices('u-carol', 's-x')).toEqual([]);
  });
});
