import type { User } from '@parley/domain';
import type { AuthResult, CodeAuthResult, CodeChannel, CodeRequestResult, IdentityView, JsonWebKeySet } from '@parley/ports';
import { validationFailed } from '@parley/domain';
import { required } from './wire-values';
import { userFromWire, type WireUser } from './common.mapping';

/** Wire shapes of auth.proto and their mapping to AuthApi / UserDirectory types. */

export interface WireRegisterRequest {
  username: string;
  password: string;
  display_name?: string | null;
}
export interface WireLoginRequest {
  username: string;
  password: string;
}
export interface WireRefreshRequest {
  refresh_token: string;
}
export interface WireLogoutRequest {
  user_id: string;
  session_id: string;
}
export interface WireSessionActiveRequest {
  session_id: string;
}
export interface WireSessionActiveResponse {
  active: boolean;
}
export interface WireSessionsActiveRequest {
  session_ids: string[];
}
export interface WireSessionsActiveResponse {
  active: boolean[];
}
/** The most session ids one SessionsActive call takes. */
export const MAX_SESSIONS_PER_CALL = 1000;
export interface WireJwksResponse {
  jwks_json: string;
}
export interface WireGetUserRequest {
  user_id: string;
}
export interface WireUserResponse {
  user: WireUser | null;
}
export interface WireExistingIds {
  ids: string[];
}
export interface WireFindByUsernameRequest {
  username: string;
}
export interface WireAuthResult {
  user: WireUser | null;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export function registerFromWire(wire: WireRegisterRequest): { username: string; password: string; display_name?: string } {
  const input = { username: wire.username, password: wire.password };
  return wire.display_name === undefined || wire.display_name === null ? input : { ...input, display_name: wire.display_name };
}

export function authResultFromWire(wire: WireAuthResult): AuthResult {
  return {
    user: userFromWire(required(wire.user, 'user')),
    access_token: wire.access_token,
    refresh_token: wire.refresh_token,
    expires_in: wire.expires_in,
  };
}

export const userResponseFromWire = (wire: WireUserResponse): User | null => (wire.user ? userFromWire(wire.user) : null);

export const jwksToWire = (jwks: JsonWebKeySet): WireJwksResponse => ({ jwks_json: JSON.stringify(jwks) });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function jwksFromWire(wire: WireJwksResponse): JsonWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(wire.jwks_json);
  } catch (error) {
    throw validationFailed(`jwks_json is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isObject(parsed) || !Array.isArray(parsed.keys)) throw validationFailed('jwks_json must be an object with a keys array');
  const keys = parsed.keys;
  if (!keys.every(isObject)) throw validationFailed('jwks_json keys must be objects');
  return { keys };
}

export interface WireCodeRequest {
  channel: string;
  destination: string;
}
export interface WireVerifyCodeRequest extends WireCodeRequest {
  code: string;
}
export interface WireCodeRequestResult {
  expires_in?: number;
  retry_after?: number;
  outcome?: 'expires_in' | 'retry_after';
}
export interface WireCodeAuthResult {
  result: WireAuthResult | null;
  new_user: boolean;
}

export function channelFromWire(channel: string): CodeChannel {
  if (channel !== 'sms' && channel !== 'email') throw validationFailed('channel must be sms or email');
  return channel;
}

export const codeRequestResultToWire = (r: CodeRequestResult): WireCodeRequestResult => (r.status === 'sent' ? { expires_in: r.expires_in } : { retry_after: r.retry_after });

export function codeRequestResultFromWire(w: WireCodeRequestResult): CodeRequestResult {
  if (w.outcome === 'expires_in' && typeof w.expires_in === 'number') return { status: 'sent', expires_in: w.expires_in };
  if (w.outcome === 'retry_after' && typeof w.retry_after === 'number') return { status: 'throttled', retry_after: w.retry_after };
  throw validationFailed('CodeRequestResult has no outcome');
}

export const codeAuthResultToWire = (r: CodeAuthResult): WireCodeAuthResult => {
  const { new_user, ...result } = r;
  return { result, new_user };
};

export const codeAuthResultFromWire = (w: WireCodeAuthResult): CodeAuthResult => ({ ...authResultFromWire(required(w.result, 'result')), new_user: w.new_user });

export interface WireIdentity {
  channel: string;
  destination: string;
  verified_at: string;
}
export interface WireAddIdentityRequest {
  user_id: string;
  code: WireVerifyCodeRequest | null;
}
export interface WireAddIdentityResponse {
  identity: WireIdentity | null;
  created: boolean;
}
export interface WireListIdentitiesRequest {
  user_id: string;
}
export interface WireIdentityList {
  identities: WireIdentity[];
}

export const identityFromWire = (w: WireIdentity): IdentityView => ({ channel: channelFromWire(w.channel), destination: w.destination, verified_at: w.verified_at });
