import { ParleyConfig } from '@parley/config';
import { LargeGroupPolicy } from '@parley/domain';

export interface GatewayOptions {
  gatewayId: string;
  host: string;
  port: number;
  /** Directory with the built web page (index.html, app.js); null serves no page. */
  webDir: string | null;
  issuer: string;
  audience: string;
  heartbeatMs: number;
  /** Per-socket send buffer bound: a socket over it is closed with 4408. */
  maxBufferedBytes: number;
  maxInvalidFrames: number;
  restSendTimeoutMs: number;
  sendRatePerSecond: number;
  /** Typing and read frames per second per connection (twice that per user across connections). */
  signalRatePerSecond: number;
  /** Reactions per second per user (REST and WebSocket together; issue 13). */
  reactionRatePerSecond: number;
  /** Sign-in and sign-up limits per client address and account (see AuthThrottle). */
  authLimits: { attemptsPerMinute: number; registrationsPerMinute: number; failuresPerAccount: number; codeRequestsPerMinute?: number };
  /** Header a trusted proxy sets to the client's address ('' = the peer address). */
  clientAddressHeader: string;
  /** SIGTERM drain window: sockets are closed with 1012 spread over it (ws/drain.ts). */
  drainMs: number;
  /** TTL of this gateway's routes and connections; refreshed every ttl/3. */
  routeTtlMs: number;
  largeGroup: LargeGroupPolicy;
  /** Call signaling; absent: DEFAULT_CALL_OPTIONS. */
  calls?: { ringTimeoutMs: number; iceRatePerSecond: number };
  /** Attachments: the largest file, how long upload and download URLs live, thumbnail size. */
  attachments: { maxBytes: number; uploadTtlSeconds: number; downloadTtlSeconds: number; thumbnailPx: number };
}

export const GATEWAY_OPTIONS = Symbol('GatewayOptions');

/** The gateway's options from the process config; the id and the page directory depend on the mode. */
export function gatewayOptionsFrom(config: ParleyConfig, gatewayId: string, webDir: string): GatewayOptions {
  return {
    gatewayId,
    host: config.host,
    port: config.port,
    webDir,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    heartbeatMs: config.gateway.heartbeatMs,
    maxBufferedBytes: config.gateway.maxBufferedBytes,
    maxInvalidFrames: config.gateway.maxInvalidFrames,
    restSendTimeoutMs: config.gateway.restSendTimeoutMs,
    sendRatePerSecond: config.gateway.sendRatePerSecond,
    signalRatePerSecond: config.gateway.signalRatePerSecond,
    reactionRatePerSecond: config.gateway.reactionRatePerSecond,
    authLimits: config.gateway.authLimits,
    clientAddressHeader: config.gateway.clientAddressHeader,
    drainMs: config.gateway.drainMs,
    routeTtlMs: config.presence.connectionTtlMs,
    largeGroup: config.largeGroup,
    calls: config.calls,
    attachments: config.attachments.limits,
  };
}
