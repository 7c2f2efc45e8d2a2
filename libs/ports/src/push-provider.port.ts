/**
 * A push provider (FCM, APNs, or standalone's recording one). One call sends one notification to
 * one device; the caller owns retries, backoff and the circuit breaker.
 */
export interface PushMessage {
  platform: 'fcm' | 'apns';
  token: string;
  /** FCM: app id (informational); APNs: the topic (bundle id). */
  app_id: string;
  /** APNs: send to the sandbox environment. */
  sandbox: boolean;
  /** alert: a visible notification; clear: a silent one that updates the badge and clears. */
  kind: 'alert' | 'clear';
  /** One visible notification per conversation: FCM collapse_key / android tag, APNs apns-collapse-id. */
  collapse_id: string;
  title: string;
  body: string;
  badge: number;
  /** How many messages this notification stands for. */
  count: number;
  data: { conversation_id: string; seq: string };
}

export type PushOutcome =
  | { status: 'accepted'; id?: string }
  /** The token is gone for good (unregistered, invalid): delete the device. */
  | { status: 'dead-token'; reason: string }
  /** Throttled or the provider failed (429, 5xx, network): try again later. */
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  /** Rejected for another reason (bad payload, bad credentials): counted, not retried. */
  | { status: 'failed'; reason: string };

export interface PushProvider {
  readonly name: string;
  send(message: PushMessage): Promise<PushOutcome>;
  close(): Promise<void>;
}

/** The providers by platform; a platform without one is not pushed (counted as skipped). */
export type PushProviders = Partial<Record<PushMessage['platform'], PushProvider>>;

export const PUSH_PROVIDERS = Symbol('PushProviders');
