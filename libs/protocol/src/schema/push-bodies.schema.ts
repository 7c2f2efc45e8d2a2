import { Type } from '@sinclair/typebox';
import { Enum, Nullable } from './primitives';

/** The push extension's REST bodies (devices and notification settings). Unknown fields are a 400. */

export const PUSH_PLATFORMS = ['fcm', 'apns'] as const;
export const NOTIFICATION_LEVELS = ['all', 'mentions', 'none'] as const;

const FCM_TOKEN = '^[A-Za-z0-9_:-]{20,4096}$';
const APNS_TOKEN = '^[0-9a-fA-F]{64,200}$';
const DeviceToken = Type.String({ maxLength: 4096, pattern: `${FCM_TOKEN}|${APNS_TOKEN}`, description: 'a device token (FCM registration token, or APNs hex token)' });

export const RegisterDeviceBody = Type.Object(
  {
    platform: Enum(PUSH_PLATFORMS),
    token: DeviceToken,
    app_id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,154}$', description: 'an app id or APNs topic (letters, digits, . _ -)' }),
    sandbox: Type.Optional(Type.Boolean({ description: 'APNs development environment (apns only)' })),
    locale: Type.Optional(Nullable(Type.String({ maxLength: 35, pattern: '^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$', description: 'a BCP 47 language tag' }))),
  },
  { $id: 'RegisterDeviceBody', additionalProperties: false },
);

export const UnregisterDeviceBody = Type.Object({ token: DeviceToken }, { $id: 'UnregisterDeviceBody', additionalProperties: false });

export const ConversationNotificationBody = Type.Object(
  {
    level: Type.Optional(Enum(NOTIFICATION_LEVELS)),
    muted_until: Type.Optional(Nullable(Type.String({ maxLength: 40, format: 'date-time', description: 'from now (a day of clock skew allowed) to at most ten years ahead; null unmutes' }))),
  },
  { $id: 'ConversationNotificationBody', additionalProperties: false, minProperties: 1 },
);

export const NotificationPrefsBody = Type.Object({ hide_previews: Type.Boolean() }, { $id: 'NotificationPrefsBody', additionalProperties: false });
