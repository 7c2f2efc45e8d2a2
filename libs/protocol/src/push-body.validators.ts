import { bool, fail, Json, oneOf, optStr, record, str, validated } from './fields';
import { Result } from './result';

/** Validators of the push extension's REST bodies (devices and notification settings). */

export const PUSH_PLATFORMS = ['fcm', 'apns'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];
export const NOTIFICATION_LEVELS = ['all', 'mentions', 'none'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

export interface RegisterDeviceInput {
  platform: PushPlatform;
  token: string;
  /** FCM: the app's package or id; APNs: the topic (bundle id). */
  app_id: string;
  /** APNs only: the sandbox (development) environment. */
  sandbox: boolean;
  locale: string | null;
}

export interface ConversationNotificationInput {
  level?: NotificationLevel;
  /** ISO-8601 instant, or null to unmute. */
  muted_until?: string | null;
}

export interface NotificationPrefsInput {
  hide_previews: boolean;
}

const FCM_TOKEN_RE = /^[A-Za-z0-9_:-]{20,4096}$/;
const APNS_TOKEN_RE = /^[0-9a-fA-F]{64,200}$/;
const APP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,154}$/;
const LOCALE_RE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$/;
/** Mute at most this far ahead (about ten years); "forever" is level `none`. */
const MUTE_MAX_MS = 10 * 366 * 24 * 3600 * 1000;

const onlyKeys = (o: Json, allowed: readonly string[]) => {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`unknown field ${k}`);
};

export const validateRegisterDevice = (input: unknown): Result<RegisterDeviceInput> =>
  validated(() => {
    const o = record(input, 'body');
    onlyKeys(o, ['platform', 'token', 'app_id', 'sandbox', 'locale']);
    const platform = oneOf(o, 'platform', PUSH_PLATFORMS);
    const token = str(o, 'token', { max: 4096 });
    if (platform === 'apns' && !APNS_TOKEN_RE.test(token)) fail('token must be an APNs device token (hex)');
    if (platform === 'fcm' && !FCM_TOKEN_RE.test(token)) fail('token must be an FCM registration token');
    const app_id = str(o, 'app_id', { max: 155 });
    if (!APP_ID_RE.test(app_id)) fail('app_id must be an app id or APNs topic (letters, digits, . _ -)');
    const sandbox = o.sandbox === undefined ? false : bool(o, 'sandbox');
    if (sandbox && platform !== 'apns') fail('sandbox applies to apns only');
    const locale = optStr(o, 'locale', { max: 35 }) ?? null;
    if (locale !== null && !LOCALE_RE.test(locale)) fail('locale must be a BCP 47 language tag');
    return { platform, token: platform === 'apns' ? token.toLowerCase() : token, app_id, sandbox, locale };
  });

export const validateConversationNotification = (input: unknown, now = Date.now()): Result<ConversationNotificationInput> =>
  validated(() => {
    const o = record(input, 'body');
    onlyKeys(o, ['level', 'muted_until']);
    if (o.level === undefined && o.muted_until === undefined) fail('level or muted_until is required');
    const out: ConversationNotificationInput = {};
    if (o.level !== undefined) out.level = oneOf(o, 'level', NOTIFICATION_LEVELS);
    if (o.muted_until === null) out.muted_until = null;
    else if (o.muted_until !== undefined) {
      const raw = str(o, 'muted_until', { max: 40 });
      const at = Date.parse(raw);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(at)) fail('muted_until must be an ISO-8601 instant or null');
      if (at > now + MUTE_MAX_MS) fail('muted_until must be at most ten years ahead; use level none to mute for good');
      out.muted_until = new Date(at).toISOString();
    }
    return out;
  });

export const validateNotificationPrefs = (input: unknown): Result<NotificationPrefsInput> =>
  validated(() => {
    const o = record(input, 'body');
    onlyKeys(o, ['hide_previews']);
    return { hide_previews: bool(o, 'hide_previews') };
  });

/** `{token}` of an unregistration: the same shapes registration accepts. */
export const validateUnregisterDevice = (input: unknown): Result<{ token: string }> =>
  validated(() => {
    const o = record(input, 'body');
    onlyKeys(o, ['token']);
    const token = str(o, 'token', { max: 4096 });
    if (!(FCM_TOKEN_RE.test(token) || APNS_TOKEN_RE.test(token))) fail('token must be a device token');
    return { token: APNS_TOKEN_RE.test(token) ? token.toLowerCase() : token };
  });
