import { ConversationNotificationView, DevicePlatform, DeviceView, NotificationLevel, NotificationPrefsView, PushApi, RelationalDb } from '@parley/ports';

interface DeviceRecord {
  token: string;
  sessionId: string;
  platform: string;
  appId: string;
  sandbox: boolean;
  locale: string | null;
  createdAt: Date;
}

/** A user keeps at most this many devices; registering one more drops their oldest. */
export const MAX_DEVICES_PER_USER = 20;

const view = (r: DeviceRecord, sessionId: string): DeviceView => ({
  // Written only from the contract's validated platforms.
  platform: r.platform as DevicePlatform,
  token: r.token,
  app_id: r.appId,
  sandbox: r.sandbox,
  locale: r.locale,
  created_at: r.createdAt.toISOString(),
  current_session: r.sessionId === sessionId,
});

/** Devices and notification settings (PushApi), in the notification service's tables, through Prisma Client (ADR 0004). */
export class PushSettingsService implements PushApi {
  constructor(private readonly db: RelationalDb) {}

  async registerDevice(userId: string, sessionId: string, d: { platform: DevicePlatform; token: string; app_id: string; sandbox: boolean; locale: string | null }): Promise<DeviceView> {
    return this.db.transaction(async (tx) => {
      // The token is the key: registering it again (by anyone) moves it to this user and session.
      const fields = { userId, sessionId, platform: d.platform, appId: d.app_id, sandbox: d.sandbox, locale: d.locale };
      const row = await tx.pushDevice.upsert({ where: { token: d.token }, create: { token: d.token, ...fields }, update: fields });
      const beyond = await tx.pushDevice.findMany({
        where: { userId },
        orderBy: [{ createdAt: 'desc' }, { token: 'asc' }],
        skip: MAX_DEVICES_PER_USER,
        select: { token: true },
      });
      if (beyond.length > 0) await tx.pushDevice.deleteMany({ where: { userId, token: { in: beyond.map((b) => b.token) } } });
      return view(row, sessionId);
    });
  }

  async unregisterDevice(userId: string, token: string): Promise<void> {
    await this.db.run((c) => c.pushDevice.deleteMany({ where: { token, userId } }));
  }

  async listDevices(userId: string, sessionId: string): Promise<DeviceView[]> {
    const rows = await this.db.run((c) => c.pushDevice.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { token: 'asc' }] }));
    return rows.map((row) => view(row, sessionId));
  }

  async dropSessionDevices(sessionId: string): Promise<number> {
    return (await this.db.run((c) => c.pushDevice.deleteMany({ where: { sessionId } }))).count;
  }

  async getConversationSettings(userId: string, conversationId: string): Promise<ConversationNotificationView> {
    const row = await this.db.run((c) => c.pushConversationSetting.findUnique({ where: { conversationId_userId: { conversationId, userId } } }));
    return { conversation_id: conversationId, level: (row?.level as NotificationLevel | undefined) ?? 'all', muted_until: row?.mutedUntil ? row.mutedUntil.toISOString() : null };
  }

  async setConversationSettings(userId: string, conversationId: string, change: { level?: NotificationLevel; muted_until?: string | null }): Promise<ConversationNotificationView> {
    const mutedUntil = change.muted_until === undefined ? undefined : change.muted_until === null ? null : new Date(change.muted_until);
    await this.db.run((c) =>
      c.pushConversationSetting.upsert({
        where: { conversationId_userId: { conversationId, userId } },
        create: { conversationId, userId, level: change.level ?? 'all', mutedUntil: mutedUntil ?? null },
        // Only what the change names: a level alone keeps the mute, a mute alone keeps the level.
        update: { ...(change.level !== undefined ? { level: change.level } : {}), ...(mutedUntil !== undefined ? { mutedUntil } : {}) },
      }),
    );
    return this.getConversationSettings(userId, conversationId);
  }

  async getPrefs(userId: string): Promise<NotificationPrefsView> {
    const row = await this.db.run((c) => c.pushPref.findUnique({ where: { userId }, select: { hidePreviews: true } }));
    return { hide_previews: row?.hidePreviews ?? false };
  }

  async setPrefs(userId: string, prefs: NotificationPrefsView): Promise<NotificationPrefsView> {
    await this.db.run((c) => c.pushPref.upsert({ where: { userId }, create: { userId, hidePreviews: prefs.hide_previews }, update: { hidePreviews: prefs.hide_previews } }));
    return { hide_previews: prefs.hide_previews };
  }
}
