import { randomUUID } from 'node:crypto';
import { Agent } from 'node:https';
import { App, cert, deleteApp, initializeApp } from 'firebase-admin/app';
import { getMessaging, Message, Messaging } from 'firebase-admin/messaging';
import { PushMessage, PushOutcome, PushProvider } from '@parley/ports';

export interface FcmOptions {
  /** Path of the service-account JSON (project_id, client_email, private_key). */
  credentialsFile: string;
  /** Defaults to the service account's project_id. */
  projectId?: string;
  /** Carries both the OAuth2 token exchange and the FCM calls (proxies, custom CAs, tests). */
  httpAgent?: Agent;
}

/** firebase-admin error codes that mean the token will never work again. */
const DEAD = new Set(['messaging/registration-token-not-registered', 'messaging/invalid-registration-token', 'messaging/invalid-argument']);
/** Throttling and provider failures: try again later. */
const RETRY = new Set(['messaging/message-rate-exceeded', 'messaging/device-message-rate-exceeded', 'messaging/server-unavailable', 'messaging/internal-error', 'messaging/unknown-error', 'app/network-error', 'app/network-timeout']);

/**
 * FCM HTTP v1 through firebase-admin (`send`, one message per call). firebase-admin retries a 503
 * itself, honoring its Retry-After (at most 4 times); anything else retryable comes back as
 * `retry` for Parley's dispatcher.
 */
export class FcmPushProvider implements PushProvider {
  readonly name = 'fcm';
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(options: FcmOptions) {
    this.app = initializeApp(
      { credential: cert(options.credentialsFile, options.httpAgent), httpAgent: options.httpAgent, ...(options.projectId ? { projectId: options.projectId } : {}) },
      `parley-fcm-${randomUUID()}`,
    );
    this.messaging = getMessaging(this.app);
  }

  async send(m: PushMessage): Promise<PushOutcome> {
    try {
      return { status: 'accepted', id: await this.messaging.send(fcmMessage(m)) };
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
      const reason = code || (err instanceof Error ? err.message : String(err));
      if (DEAD.has(code)) return { status: 'dead-token', reason };
      // Credentials the token server refuses will not work on a retry either.
      if (code === 'app/invalid-credential' && !/network|timeout|ECONN|ETIMEDOUT|socket/i.test(reason + String((err as Error).message))) return { status: 'failed', reason };
      if (RETRY.has(code) || !code.startsWith('messaging/')) return { status: 'retry', reason };
      return { status: 'failed', reason };
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
  }
}

/** The FCM v1 message: a collapsed notification, or a data-only message that clears it. */
export function fcmMessage(m: PushMessage): Message {
  const data = { conversation_id: m.data.conversation_id, seq: m.data.seq, badge: String(m.badge) };
  if (m.kind === 'clear') {
    return { token: m.token, data: { ...data, type: 'clear' }, android: { collapseKey: m.collapse_id, priority: 'normal' } };
  }
  return {
    token: m.token,
    notification: { title: m.title, body: m.body },
    data: { ...data, type: 'message', count: String(m.count) },
    android: { collapseKey: m.collapse_id, priority: 'high', notification: { tag: m.collapse_id, notificationCount: m.badge } },
  };
}
