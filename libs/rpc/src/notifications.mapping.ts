import type { ConversationNotificationView, DevicePlatform, DeviceView, NotificationLevel } from '@parley/ports';
import { type Maybe, oneOf, orNull } from './wire-values';

/** Wire shapes of notifications.proto and their mapping to PushApi types. */

const PLATFORMS: readonly DevicePlatform[] = ['fcm', 'apns'];
const LEVELS: readonly NotificationLevel[] = ['all', 'mentions', 'none'];

export interface WireRegisterDeviceRequest {
  user_id: string;
  session_id: string;
  platform: string;
  token: string;
  app_id: string;
  sandbox: boolean;
  locale?: Maybe<string>;
}
export interface WireDeviceView {
  platform: string;
  token: string;
  app_id: string;
  sandbox: boolean;
  locale?: Maybe<string>;
  created_at: string;
  current_session: boolean;
}
export interface WireUnregisterDeviceRequest {
  user_id: string;
  token: string;
}
export interface WireListDevicesRequest {
  user_id: string;
  session_id: string;
}
export interface WireDeviceList {
  devices: WireDeviceView[];
}
export interface WireDropSessionDevicesRequest {
  session_id: string;
}
export interface WireDroppedCount {
  dropped: number;
}
export interface WireConversationSettingsRequest {
  user_id: string;
  conversation_id: string;
}
export interface WireSetConversationSettingsRequest {
  user_id: string;
  conversation_id: string;
  level?: Maybe<string>;
  set_muted_until: boolean;
  muted_until?: Maybe<string>;
}
export interface WireConversationNotificationView {
  conversation_id: string;
  level: string;
  muted_until?: Maybe<string>;
}
export interface WirePrefsRequest {
  user_id: string;
}
export interface WireSetPrefsRequest {
  user_id: string;
  hide_previews: boolean;
}
export interface WireNotificationPrefs {
  hide_previews: boolean;
}

export const platformFromWire = (v: string) => oneOf(v, PLATFORMS, 'platform');
export const levelFromWire = (v: string) => oneOf(v, LEVELS, 'level');

export const deviceToWire = (d: DeviceView): WireDeviceView => ({ ...d, ...(d.locale === null ? { locale: undefined } : {}) });
export const deviceFromWire = (w: WireDeviceView): DeviceView => ({
  platform: platformFromWire(w.platform),
  token: w.token,
  app_id: w.app_id,
  sandbox: w.sandbox,
  locale: orNull(w.locale),
  created_at: w.created_at,
  current_session: w.current_session,
});

export const settingsToWire = (v: ConversationNotificationView): WireConversationNotificationView => ({
  conversation_id: v.conversation_id,
  level: v.level,
  ...(v.muted_until === null ? {} : { muted_until: v.muted_until }),
});
export const settingsFromWire = (w: WireConversationNotificationView): ConversationNotificationView => ({
  conversation_id: w.conversation_id,
  level: levelFromWire(w.level),
  muted_until: orNull(w.muted_until),
});
