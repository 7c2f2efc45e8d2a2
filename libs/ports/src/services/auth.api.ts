import { User } from '@parley/domain';
import type { CodeChannel } from '../code-sender.port';

/** Answer of register, login and refresh (the contract's auth shape). */
export interface AuthResult {
  user: User;
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
}

/** A one-time sign-in code asked for a phone number (sms, E.164) or an e-mail address. */
export interface CodeRequest {
  channel: CodeChannel;
  destination: string;
}

/** Sent (the same answer whether or not an account exists), or the destination must wait. */
export type CodeRequestResult = { status: 'sent'; expires_in: number } | { status: 'throttled'; retry_after: number };

export interface CodeVerification extends CodeRequest {
  code: string;
}

/** A code sign-in's answer: the usual tokens; `new_user` when this sign-in created the account. */
export interface CodeAuthResult extends AuthResult {
  new_user: boolean;
}

/** A verified phone number or e-mail address of the caller. */
export interface IdentityView {
  channel: CodeChannel;
  destination: string;
  verified_at: string;
}

export interface JsonWebKeySet {
  keys: Array<Record<string, unknown>>;
}

/**
 * The auth service as the gateway sees it (in-process in standalone, gRPC in the mesh).
 * Inputs are already shape-validated by the edge; the service still enforces every rule.
 * Errors are DomainErrors: CONFLICT (username taken), UNAUTHENTICATED (bad credentials, bad or
 * reused refresh token), VALIDATION_FAILED.
 */
export interface AuthApi {
  register(input: { username: string; password: string; display_name?: string }): Promise<AuthResult>;
  login(input: { username: string; password: string }): Promise<AuthResult>;
  /** Rotates: the presented token stops working. Presenting a rotated token revokes its session. */
  refresh(refreshToken: string): Promise<AuthResult>;
  /** Revokes the session's refresh tokens and announces `session.revoked` so sockets close. */
  logout(userId: string, sessionId: string): Promise<void>;
  /** False once a session is revoked (logout or refresh-token reuse). */
  sessionActive(sessionId: string): Promise<boolean>;
  /** sessionActive for many sessions in one lookup (at most 1,000): one answer per id, in order. */
  sessionsActive(sessionIds: readonly string[]): Promise<boolean[]>;
  jwks(): Promise<JsonWebKeySet>;
  getUser(userId: string): Promise<User | null>;
  /**
   * Sends a one-time code to the destination (docs/adr/0012). VALIDATION_FAILED for a malformed
   * destination, a channel that is off, or one the provider refuses; UNAVAILABLE when it cannot send.
   */
  requestCode(input: CodeRequest): Promise<CodeRequestResult>;
  /** Signs in (or signs up) with the code: UNAUTHENTICATED for a wrong, expired, used or burned code. */
  verifyCode(input: CodeVerification): Promise<CodeAuthResult>;
  /**
   * Adds the destination to the user's account with a code sent to it (requested as for sign-in):
   * `created` false when it was already theirs. UNAUTHENTICATED for a bad code, CONFLICT when
   * another account owns it (said only after the code proved the destination), VALIDATION_FAILED
   * past the identities a user may keep.
   */
  addIdentity(userId: string, input: CodeVerification): Promise<{ identity: IdentityView; created: boolean }>;
  listIdentities(userId: string): Promise<IdentityView[]>;
}

export const AUTH_API = Symbol('AuthApi');
