import { validateConversationNotification, validateNotificationPrefs, validateRegisterDevice, validateUnregisterDevice } from './push-body.validators';

const apnsToken = 'AB'.repeat(32);
const fcmToken = 'dGVzdC1mY20tdG9rZW4:APA91b' + 'x'.repeat(120);

describe('push body validators', () => {
  it('accepts an APNs device, lower-casing its hex token', () => {
    expect(validateRegisterDevice({ platform: 'apns', token: apnsToken, app_id: 'com.example.chat', sandbox: true, locale: 'de-DE' })).toEqual({
      ok: true,
      value: { platform: 'apns', token: apnsToken.toLowerCase(), app_id: 'com.example.chat', sandbox: true, locale: 'de-DE' },
    });
  });

  it('accepts an FCM device with defaults', () => {
    expect(validateRegisterDevice({ platform: 'fcm', token: fcmToken, app_id: 'com.example.chat' })).toEqual({
      ok: true,
      value: { platform: 'fcm', token: fcmToken, app_id: 'com.example.chat', sandbox: false, locale: null },
    });
  });

  it.each([
    [null, 'body must be a JSON object'],
    [{ platform: 'gcm', token: fcmToken, app_id: 'a' }, 'body.platform must be one of fcm, apns'],
    [{ platform: 'apns', token: 'zz'.repeat(32), app_id: 'a' }, 'token must be an APNs device token (hex)'],
    [{ platform: 'fcm', token: 'short', app_id: 'a' }, 'body.token must be a device token (FCM registration token, or APNs hex token)'],
    [{ platform: 'fcm', token: fcmToken, app_id: 'bad id!' }, 'body.app_id must be an app id or APNs topic (letters, digits, . _ -)'],
    [{ platform: 'fcm', token: fcmToken, app_id: 'a', sandbox: true }, 'sandbox applies to apns only'],
    [{ platform: 'apns', token: apnsToken, app_id: 'a', sandbox: 'yes' }, 'body.sandbox must be boolean'],
    [{ platform: 'fcm', token: fcmToken, app_id: 'a', locale: 'not a locale' }, 'body.locale must be a BCP 47 language tag'],
    [{ platform: 'fcm', token: fcmToken, app_id: 'a', extra: 1 }, 'body: unknown field extra'],
    [{ platform: 'fcm', app_id: 'a' }, 'body.token is required'],
  ])('rejects %j', (body, message) => {
    expect(validateRegisterDevice(body)).toEqual({ ok: false, message });
  });

  it('validates unregistration tokens', () => {
    expect(validateUnregisterDevice({ token: apnsToken })).toEqual({ ok: true, value: { token: apnsToken.toLowerCase() } });
    expect(validateUnregisterDevice({ token: 'x' })).toEqual({ ok: false, message: 'body.token must be a device token (FCM registration token, or APNs hex token)' });
  });

  it('validates conversation settings', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(validateConversationNotification({ level: 'mentions' }, now)).toEqual({ ok: true, value: { level: 'mentions' } });
    expect(validateConversationNotification({ muted_until: '2026-01-02T00:00:00+01:00' }, now)).toEqual({ ok: true, value: { muted_until: '2026-01-01T23:00:00.000Z' } });
    expect(validateConversationNotification({ muted_until: null }, now)).toEqual({ ok: true, value: { muted_until: null } });
    expect(validateConversationNotification({}, now)).toEqual({ ok: false, message: 'body must name at least one field' });
    expect(validateConversationNotification({ level: 'loud' }, now)).toEqual({ ok: false, message: 'body.level must be one of all, mentions, none' });
    expect(validateConversationNotification({ muted_until: 'tomorrow' }, now)).toEqual({ ok: false, message: 'body.muted_until must match format "date-time"' });
    expect(validateConversationNotification({ muted_until: '2099-01-01T00:00:00Z' }, now).ok).toBe(false);
    // Found by schemathesis: a year-21 mute was stored, then every read of the settings answered 500.
    expect(validateConversationNotification({ muted_until: '0021-02-09T10:42:15.481Z' }, now)).toEqual({ ok: false, message: 'muted_until must not be in the past; null unmutes' });
    expect(validateConversationNotification({ muted_until: '2025-12-31T12:00:00Z' }, now).ok).toBe(true);
  });

  it('validates user prefs', () => {
    expect(validateNotificationPrefs({ hide_previews: true })).toEqual({ ok: true, value: { hide_previews: true } });
    expect(validateNotificationPrefs({ hide_previews: 1 })).toEqual({ ok: false, message: 'body.hide_previews must be boolean' });
  });
});
