import type { Server } from '@grpc/grpc-js';
import type { PushApi } from '@parley/ports';
import { EMPTY, type WireEmpty } from './common.mapping';
import { unaryHandlers, type ServeOptions } from './grpc-server';
import {
  deviceToWire, levelFromWire, platformFromWire, settingsToWire, type WireConversationNotificationView, type WireConversationSettingsRequest, type WireDeviceList,
  type WireDeviceView, type WireDropSessionDevicesRequest, type WireDroppedCount, type WireListDevicesRequest, type WireNotificationPrefs, type WirePrefsRequest,
  type WireRegisterDeviceRequest, type WireSetConversationSettingsRequest, type WireSetPrefsRequest, type WireUnregisterDeviceRequest,
} from './notifications.mapping';
import { parleyServices } from './protos';

/** Serves the notification service's devices and settings (parley.v1.Notifications). */
export function serveNotifications(server: Server, impl: PushApi, options: ServeOptions = {}): void {
  const unary = unaryHandlers('Notifications', options);
  server.addService(parleyServices(options.protoDir).Notifications, {
    RegisterDevice: unary('RegisterDevice', async (r: WireRegisterDeviceRequest): Promise<WireDeviceView> =>
      deviceToWire(await impl.registerDevice(r.user_id, r.session_id, { platform: platformFromWire(r.platform), token: r.token, app_id: r.app_id, sandbox: r.sandbox, locale: r.locale ?? null })),
    ),
    UnregisterDevice: unary('UnregisterDevice', async (r: WireUnregisterDeviceRequest): Promise<WireEmpty> => {
      await impl.unregisterDevice(r.user_id, r.token);
      return EMPTY;
    }),
    ListDevices: unary('ListDevices', async (r: WireListDevicesRequest): Promise<WireDeviceList> => ({ devices: (await impl.listDevices(r.user_id, r.session_id)).map(deviceToWire) })),
    DropSessionDevices: unary('DropSessionDevices', async (r: WireDropSessionDevicesRequest): Promise<WireDroppedCount> => ({ dropped: await impl.dropSessionDevices(r.session_id) })),
    GetConversationSettings: unary('GetConversationSettings', async (r: WireConversationSettingsRequest): Promise<WireConversationNotificationView> =>
      settingsToWire(await impl.getConversationSettings(r.user_id, r.conversation_id)),
    ),
    SetConversationSettings: unary('SetConversationSettings', async (r: WireSetConversationSettingsRequest): Promise<WireConversationNotificationView> =>
      settingsToWire(
        await impl.setConversationSettings(r.user_id, r.conversation_id, {
          ...(r.level ? { level: levelFromWire(r.level) } : {}),
          ...(r.set_muted_until ? { muted_until: r.muted_until ?? null } : {}),
        }),
      ),
    ),
    GetPrefs: unary('GetPrefs', (r: WirePrefsRequest): Promise<WireNotificationPrefs> => impl.getPrefs(r.user_id)),
    SetPrefs: unary('SetPrefs', (r: WireSetPrefsRequest): Promise<WireNotificationPrefs> => impl.setPrefs(r.user_id, { hide_previews: r.hide_previews })),
  });
}
