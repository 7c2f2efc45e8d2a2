/** Devices and notification settings: the notification service as the gateway sees it. */

export type DevicePlatform = 'fcm' | 'apns';
export type NotificationLevel = 'all' | 'mentions' | 'none';

export interface DeviceView {
  platform: DevicePlatform;
  token: string;
  app_id: string;
  sandbox: boolean;
  locale: string | null;
  created_at: string;
  /** True for the device registered by the session asking. */
  current_session: boolean;
}

export interface ConversationNotificationView {
  conversation_id: string;
  level: NotificationLevel;
  muted_until: string | null;
}

export interface NotificationPrefsView {
  hide_previews: boolean;
}

/**
 * Inputs are validated by the edge (libs/protocol push validators); membership of the conversation
 * is checked by the caller (the gateway asks the messaging service) before settings are touched.
 */
export interface PushApi {
  /** One device, one owner: a token registered by someone else moves to this user and session. */
  registerDevice(userId: string, sessionId: string, device: { platform: DevicePlatform; token: string; app_id: string; sandbox: boolean; locale: string | null }): Promise<DeviceView>;
  /** Removes the token if it is this user's; idempotent. */
  unregisterDevice(userId: string, token: string): Promise<void>;
  listDevices(userId: string, sessionId: string): Promise<DeviceView[]>;
  /** Devices of a revoked session stop receiving pushes. */
  dropSessionDevices(sessionId: string): Promise<number>;
  getConversationSettings(userId: string, conversationId: string): Promise<ConversationNotificationView>;
  setConversationSettings(userId: string, conversationId: string, change: { level?: NotificationLevel; muted_until?: string | null }): Promise<ConversationNotificationView>;
  getPrefs(userId: string): Promise<NotificationPrefsView>;
  setPrefs(userId: string, prefs: NotificationPrefsView): Promise<NotificationPrefsView>;
}

export const PUSH_API = Symbol('PushApi');
