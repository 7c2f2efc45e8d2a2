import { invalid, ok, Result } from './result';
import { ConversationNotificationBody, NOTIFICATION_LEVELS, NotificationPrefsBody, PUSH_PLATFORMS, RegisterDeviceBody, UnregisterDeviceBody } from './schema/push-bodies.schema';
import { check } from './schema/validate';

/** Validators of the push extension's REST bodies (devices and notification settings), on their schemas. */

export { NOTIFICATION_LEVELS, PUSH_PLATFORMS };
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];
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

const APNS_TOKEN_RE = /^[0-9a-fA-F]{64,200}$/;
const FCM_TOKEN_RE = /^[A-Za-z0-9_:-]{20,4096}$/;
/** Mute at most this far ahead (about ten years); "forever" is level `none`. */
const MUTE_MAX_MS = 10 * 366 * 24 * 3600 * 1000;
/** Clock skew a client may have: a mute ending up to a day ago is accepted (and is simply over). */
const MUTE_PAST_TOLERANCE_MS = 24 * 3600 * 1000;

function then<T, U>(r: Result<T>, f: (value: T) => Result<U>): Result<U> {
  return r.ok ? f(r.value) : r;
}

export const validateRegisterDevice = (input: unknown): Result<RegisterDeviceInput> =>
  then(check(RegisterDeviceBody, input, 'body'), (o) => {
    if (o.platform === 'apns' && !APNS_TOKEN_RE.test(o.token)) return invalid('token must be an APNs device token (hex)');
    if (o.platform === 'fcm' && !FCM_TOKEN_RE.test(o.token)) return invalid('token must be an FCM registration token');
    const sandbox = o.sandbox ?? false;
    if (sandbox && o.platform !== 'apns') return invalid('sandbox applies to apns only');
    return ok({ platform: o.platform, token: o.platform === 'apns' ? o.token.toLowerCase() : o.token, app_id: o.app_id, sandbox, locale: o.locale ?? null });
  });

export const validateConversationNotification = (input: unknown, now = Date.now()): Result<ConversationNotificationInput> =>
  then(check(ConversationNotificationBody, input, 'body'), (o) => {
    const out: ConversationNotificationInput = {};
    if (o.level !== undefined) out.level = o.level;
    if (o.muted_until === null) out.muted_until = null;
    else if (o.muted_until !== undefined) {
      const at = Date.parse(o.muted_until);
      // A mute that ended long ago means nothing (null unmutes), and years before 1970 do not round-trip.
      if (at < now - MUTE_PAST_TOLERANCE_MS) return invalid('muted_until must not be in the past; null unmutes');
      if (at > now + MUTE_MAX_MS) return invalid('muted_until must be at most ten years ahead; use level none to mute for good');
      out.muted_until = new Date(at).toISOString();
    }
    return ok(out);
  });

export const validateNotificationPrefs = (input: unknown): Result<NotificationPrefsInput> =>
  then(check(NotificationPrefsBody, input, 'body'), (o) => ok({ hide_previews: o.hide_previews }));

/** `{token}` of an unregistration: the same shapes registration accepts. */
export const validateUnregisterDevice = (input: unknown): Result<{ token: string }> =>
  then(check(UnregisterDeviceBody, input, 'body'), (o) => ok({ token: APNS_TOKEN_RE.test(o.token) ? o.token.toLowerCase() : o.token }));
