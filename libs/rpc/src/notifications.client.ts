import type { ConversationNotificationView, DevicePlatform, DeviceView, NotificationLevel, NotificationPrefsView, PushApi } from '@parley/ports';
import type { WireEmpty } from './common.mapping';
import { RpcChannel, type RpcClientOptions } from './grpc-channel';
import {
  deviceFromWire, settingsFromWire, type WireConversationNotificationView, type WireConversationSettingsRequest, type WireDeviceList, type WireDeviceView,
  type WireDropSessionDevicesRequest, type WireDroppedCount, type WireListDevicesRequest, type WireNotificationPrefs, type WirePrefsRequest, type WireRegisterDeviceRequest,
  type WireSetConversationSettingsRequest, type WireSetPrefsRequest, type WireUnregisterDeviceRequest,
} from './notifications.mapping';
import { count } from './wire-values';

const ignore = (): void => undefined;
const prefs = (w: WireNotificationPrefs): NotificationPrefsView => ({ hide_previews: w.hide_previews });

/** PushApi of a remote notification service (`address` = host:port). */
export class GrpcNotificationsClient implements PushApi {
  private readonly channel: RpcChannel;

  constructor(address: string, options: RpcClientOptions = {}) {
    this.channel = new RpcChannel('Notifications', address, options);
  }

  registerDevice(userId: string, sessionId: string, d: { platform: DevicePlatform; token: string; app_id: string; sandbox: boolean; locale: string | null }): Promise<DeviceView> {
    return this.channel.call<WireRegisterDeviceRequest, WireDeviceView, DeviceView>(
      'RegisterDevice',
      { user_id: userId, session_id: sessionId, platform: d.platform, token: d.token, app_id: d.app_id, sandbox: d.sandbox, ...(d.locale === null ? {} : { locale: d.locale }) },
      deviceFromWire,
    );
  }

  unregisterDevice(userId: string, token: string): Promise<void> {
    return this.channel.call<WireUnregisterDeviceRequest, WireEmpty, void>('UnregisterDevice', { user_id: userId, token }, ignore);
  }

  listDevices(userId: string, sessionId: string): Promise<DeviceView[]> {
    return this.channel.call<WireListDevicesRequest, WireDeviceList, DeviceView[]>('ListDevices', { user_id: userId, session_id: sessionId }, (r) => r.devices.map(deviceFromWire));
  }

  dropSessionDevices(sessionId: string): Promise<number> {
    return this.channel.call<WireDropSessionDevicesRequest, WireDroppedCount, number>('DropSessionDevices', { session_id: sessionId }, (r) => count(r.dropped, 'dropped'));
  }

  getConversationSettings(userId: string, conversationId: string): Promise<ConversationNotificationView> {
    return this.channel.call<WireConversationSettingsRequest, WireConversationNotificationView, ConversationNotificationView>(
      'GetConversationSettings',
      { user_id: userId, conversation_id: conversationId },
      settingsFromWire,
    );
  }

  setConversationSettings(userId: string, conversationId: string, change: { level?: NotificationLevel; muted_until?: string | null }): Promise<ConversationNotificationView> {
    const req: WireSetConversationSettingsRequest = {
      user_id: userId,
      conversation_id: conversationId,
      set_muted_until: change.muted_until !== undefined,
      ...(change.level ? { level: change.level } : {}),
      ...(change.muted_until ? { muted_until: change.muted_until } : {}),
    };
    return this.channel.call<WireSetConversationSettingsRequest, WireConversationNotificationView, ConversationNotificationView>('SetConversationSettings', req, settingsFromWire);
  }

  getPrefs(userId: string): Promise<NotificationPrefsView> {
    return this.channel.call<WirePrefsRequest, WireNotificationPrefs, NotificationPrefsView>('GetPrefs', { user_id: userId }, prefs);
  }

  setPrefs(userId: string, p: NotificationPrefsView): Promise<NotificationPrefsView> {
    return this.channel.call<WireSetPrefsRequest, WireNotificationPrefs, NotificationPrefsView>('SetPrefs', { user_id: userId, hide_previews: p.hide_previews }, prefs);
  }

  close(): void {
    this.channel.close();
  }
}
