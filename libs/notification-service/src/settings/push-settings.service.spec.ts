import { PgliteSqlDb } from '@parley/ports';
import { openPushDb } from '../__tests__/push-harness';
import { MAX_DEVICES_PER_USER, PushSettingsService } from './push-settings.service';

const device = (token: string) => ({ platform: 'fcm' as const, token, app_id: 'com.example.chat', sandbox: false, locale: null });

describe('push settings on Prisma Client (PGlite)', () => {
  let db: PgliteSqlDb;
  let settings: PushSettingsService;
  beforeAll(async () => {
    db = await openPushDb();
    settings = new PushSettingsService(db.relational());
  }, 60_000);
  afterAll(() => db.close());
  beforeEach(() => db.exec(`TRUNCATE push_devices, push_conversation_settings, push_prefs`));

  it('keeps a user\'s newest devices only, and lists them oldest first with the current session marked', async () => {
    for (let i = 0; i < MAX_DEVICES_PER_USER + 2; i++) {
      await settings.registerDevice('u-1', i % 2 ? 's-a' : 's-b', device(`tok-${String(i).padStart(2, '0')}`));
      // Distinct creation times, so "oldest" is decided by time, not by the token tie-break.
      await db.query(`UPDATE push_devices SET created_at = now() - make_interval(secs => $1) WHERE token = $2`, [100 - i, `tok-${String(i).padStart(2, '0')}`]);
    }
    await settings.registerDevice('u-2', 's-c', device('tok-other'));
    const listed = await settings.listDevices('u-1', 's-a');
    expect(listed).toHaveLength(MAX_DEVICES_PER_USER);
    expect(listed[0].token).toBe('tok-02');
    expect(listed.at(-1)?.token).toBe(`tok-${MAX_DEVICES_PER_USER + 1}`);
    expect(listed.filter((d) => d.current_session).map((d) => d.token)).toEqual(listed.filter((_, i) => i % 2 === 1).map((d) => d.token));
    expect(listed[0]).toMatchObject({ platform: 'fcm', app_id: 'com.example.chat', sandbox: false, locale: null });
    expect(Number.isNaN(Date.parse(listed[0].created_at))).toBe(false);
    expect(await settings.listDevices('u-2', 's-c')).toHaveLength(1);
  });

  it('unregisters only the owner\'s token and drops a session\'s devices, answering how many', async () => {
    await settings.registerDevice('u-1', 's-a', device('tok-a'));
    await settings.registerDevice('u-1', 's-b', device('tok-b'));
    await settings.unregisterDevice('u-2', 'tok-a');
    expect((await settings.listDevices('u-1', 's-a')).map((d) => d.token).sort()).toEqual(['tok-a', 'tok-b']);
    await settings.unregisterDevice('u-1', 'tok-a');
    expect(await settings.dropSessionDevices('s-b')).toBe(1);
    expect(await settings.dropSessionDevices('s-b')).toBe(0);
    expect(await settings.listDevices('u-1', 's-a')).toEqual([]);
  });

  it('changes only what a settings change names, with defaults before any', async () => {
    expect(await settings.getConversationSettings('u-1', 'c-1')).toEqual({ conversation_id: 'c-1', level: 'all', muted_until: null });
    const until = '2030-01-02T03:04:05.678Z';
    expect(await settings.setConversationSettings('u-1', 'c-1', { muted_until: until })).toEqual({ conversation_id: 'c-1', level: 'all', muted_until: until });
    expect(await settings.setConversationSettings('u-1', 'c-1', { level: 'mentions' })).toEqual({ conversation_id: 'c-1', level: 'mentions', muted_until: until });
    expect(await settings.setConversationSettings('u-1', 'c-1', { muted_until: null })).toEqual({ conversation_id: 'c-1', level: 'mentions', muted_until: null });
    expect(await settings.getConversationSettings('u-2', 'c-1')).toEqual({ conversation_id: 'c-1', level: 'all', muted_until: null });
  });

  it('keeps notification preferences per user', async () => {
    expect(await settings.getPrefs('u-1')).toEqual({ hide_previews: false });
    expect(await settings.setPrefs('u-1', { hide_previews: true })).toEqual({ hide_previews: true });
    expect(await settings.getPrefs('u-1')).toEqual({ hide_previews: true });
    await settings.setPrefs('u-1', { hide_previews: false });
    expect(await settings.getPrefs('u-1')).toEqual({ hide_previews: false });
    expect(await settings.getPrefs('u-2')).toEqual({ hide_previews: false });
  });
});
