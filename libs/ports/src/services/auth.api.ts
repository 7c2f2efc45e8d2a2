import { User } from '@parley/domain';

/** Answer of register, login and refresh (the contract's auth shape). */
export interface AuthResult {
  user: User;
  access_token: string;
  refresh_token: string;
  /** Seconds until the access token expires. */
  expires_in: number;
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
}

export const AUTH_API = Symbol('AuthApi');
