import { ConversationNotificationView, DevicePlatform, DeviceView, NotificationLevel, NotificationPrefsView, PushApi, SqlDb } from '@parley/ports';

interface DeviceRow {
  token: string;
  session_id: string;
  platform: DevicePlatform;
  app_id: string;
  sandbox: boolean;
  locale: string | null;
  created_at: Date | string;
}

/** A user keeps at most this many devices; registering one more drops their oldest. */
export const MAX_DEVICES_PER_USER = 20;

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();
const view = (r: DeviceRow, sessionId: string): DeviceView => ({
  platform: r.platform,
  token: r.token,
  app_id: r.app_id,
  sandbox: r.sandbox,
  locale: r.locale,
  created_at: iso(r.created_at),
  current_session: r.session_id === sessionId,
});

/** Devices and notification settings (PushApi), in the notification service's tables. */
export class PushSettingsService implements PushApi {
  constructor(private readonly db: SqlDb) {}

  async registerDevice(userId: string, sessionId: string, d: { platform: DevicePlatform; token: string; app_id: string; sandbox: boolean; locale: string | null }): Promise<DeviceView> {
    return this.db.transaction(async (tx) => {
      // The token is the key: registering it again (by anyone) moves it to this user and session.
      const r = await tx.query<DeviceRow>(
        `INSERT INTO push_devices (token, user_id, session_id, platform, app_id, sandbox, locale) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (token) DO UPDATE SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id, platform = EXCLUDED.platform,
           app_id = EXCLUDED.app_id, sandbox = EXCLUDED.sandbox, locale = EXCLUDED.locale
         RETURNING *`,
        [d.token, userId, sessionId, d.platform, d.app_id, d.sandbox, d.locale],
      );
      await tx.query(
        `DELETE FROM push_devices WHERE user_id = $1 AND token IN (
           SELECT token FROM push_devices WHERE user_id = $1 ORDER BY created_at DESC, token OFFSET $2)`,
        [userId, MAX_DEVICES_PER_USER],
      );
      return view(r.rows[0], sessionId);
    });
  }

  async unregisterDevice(userId: string, token: string): Promise<void> {
    await this.db.query(`DELETE FROM push_devices WHERE token = $1 AND user_id = $2`, [token, userId]);
  }

  async listDevices(userId: string, sessionId: string): Promise<DeviceView[]> {
    const r = await this.db.query<DeviceRow>(`SELECT * FROM push_devices WHERE user_id = $1 ORDER BY created_at, token`, [userId]);
    return r.rows.map((row) => view(row, sessionId));
  }

  async dropSessionDevices(sessionId: string): Promise<number> {
    return (await this.db.query(`DELETE FROM push_devices WHERE session_id = $1`, [sessionId])).rowCount;
  }

  async getConversationSettings(userId: string, conversationId: string): Promise<ConversationNotificationView> {
    const r = await this.db.query<{ level: NotificationLevel; muted_until: Date | string | null }>(
      `SELECT level, muted_until FROM push_conversation_settings WHERE conversation_id = $1 AND user_id = $2`,
      [conversationId, userId],
    );
    const row = r.rows[0];
    return { conversation_id: conversationId, level: row?.level ?? 'all', muted_until: row?.muted_until ? iso(row.muted_until) : null };
  }

  async setConversationSettings(userId: string, conversationId: string, change: { level?: NotificationLevel; muted_until?: string | null }): Promise<ConversationNotificationView> {
    await this.db.query(
      `INSERT INTO push_conversation_settings (conversation_id, user_id, level, muted_until) VALUES ($1, $2, COALESCE($3, 'all'), $4)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET
         level = COALESCE($3, push_conversation_settings.level),
         muted_until = CASE WHEN $5 THEN $4::timestamptz ELSE push_conversation_settings.muted_until END`,
      [conversationId, userId, change.level ?? null, change.muted_until ?? null, change.muted_until !== undefined],
    );
    return this.getConversationSettings(userId, conversationId);
  }

  async getPrefs(userId: string): Promise<NotificationPrefsView> {
    const r = await this.db.query<{ hide_previews: boolean }>(`SELECT hide_previews FROM push_prefs WHERE user_id = $1`, [userId]);
    return { hide_previews: r.rows[0]?.hide_previews ?? false };
  }

  async setPrefs(userId: string, prefs: NotificationPrefsView): Promise<NotificationPrefsView> {
    await this.db.query(
      `INSERT INTO push_prefs (user_id, hide_previews) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET hide_previews = EXCLUDED.hide_previews`,
      [userId, prefs.hide_previews],
    );
    return { hide_previews: prefs.hide_previews };
  }
}
