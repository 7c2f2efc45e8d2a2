import type { User } from '@parley/domain';
import type { AuthApi, AuthResult, CodeAuthResult, CodeRequest, CodeRequestResult, CodeVerification, IdentityView, JsonWebKeySet, UserDirectory } from '@parley/ports';
import { EMPTY, type WireEmpty } from './common.mapping';
import { required } from './wire-values';
import { RpcChannel, type RpcClientOptions } from './grpc-channel';
import {
  authResultFromWire,
  codeAuthResultFromWire,
  codeRequestResultFromWire,
  identityFromWire,
  type WireAddIdentityRequest,
  type WireAddIdentityResponse,
  type WireIdentityList,
  type WireListIdentitiesRequest,
  type WireCodeAuthResult,
  type WireCodeRequest,
  type WireCodeRequestResult,
  type WireVerifyCodeRequest,
  jwksFromWire,
  userResponseFromWire,
  type WireAuthResult,
  type WireExistingIds,
  type WireFindByUsernameRequest,
  type WireGetUserRequest,
  type WireJwksResponse,
  type WireLoginRequest,
  type WireLogoutRequest,
  type WireRefreshRequest,
  type WireRegisterRequest,
  type WireSessionActiveRequest,
  type WireSessionActiveResponse,
  type WireSessionsActiveRequest,
  type WireSessionsActiveResponse,
  type WireUserResponse,
} from './auth.mapping';

const ignore = (): void => undefined;

/** AuthApi and UserDirectory of a remote auth service (`address` = host:port). */
export class GrpcAuthClient implements AuthApi, UserDirectory {
  private readonly channel: RpcChannel;

  constructor(address: string, options: RpcClientOptions = {}) {
    this.channel = new RpcChannel('Auth', address, options);
  }

  register(input: { username: string; password: string; display_name?: string }): Promise<AuthResult> {
    return this.channel.call<WireRegisterRequest, WireAuthResult, AuthResult>('Register', input, authResultFromWire);
  }

  login(input: { username: string; password: string }): Promise<AuthResult> {
    return this.channel.call<WireLoginRequest, WireAuthResult, AuthResult>('Login', { username: input.username, password: input.password }, authResultFromWire);
  }

  refresh(refreshToken: string): Promise<AuthResult> {
    return this.channel.call<WireRefreshRequest, WireAuthResult, AuthResult>('Refresh', { refresh_token: refreshToken }, authResultFromWire);
  }

  logout(userId: string, sessionId: string): Promise<void> {
    return this.channel.call<WireLogoutRequest, WireEmpty, void>('Logout', { user_id: userId, session_id: sessionId }, ignore);
  }

  sessionActive(sessionId: string): Promise<boolean> {
    return this.channel.call<WireSessionActiveRequest, WireSessionActiveResponse, boolean>('SessionActive', { session_id: sessionId }, (res) => res.active);
  }

  sessionsActive(sessionIds: readonly string[]): Promise<boolean[]> {
    return this.channel.call<WireSessionsActiveRequest, WireSessionsActiveResponse, boolean[]>('SessionsActive', { session_ids: [...sessionIds] }, (res) => {
      if (res.active.length !== sessionIds.length) throw new Error(`asked about ${sessionIds.length} sessions, got ${res.active.length} answers`);
      return res.active;
    });
  }

  jwks(): Promise<JsonWebKeySet> {
    return this.channel.call<WireEmpty, WireJwksResponse, JsonWebKeySet>('Jwks', EMPTY, jwksFromWire);
  }

  getUser(userId: string): Promise<User | null> {
    return this.channel.call<WireGetUserRequest, WireUserResponse, User | null>('GetUser', { user_id: userId }, userResponseFromWire);
  }

  existingIds(ids: readonly string[]): Promise<Set<string>> {
    return this.channel.call<WireExistingIds, WireExistingIds, Set<string>>('ExistingIds', { ids: [...ids] }, (res) => new Set(res.ids));
  }

  findByUsername(username: string): Promise<User | null> {
    return this.channel.call<WireFindByUsernameRequest, WireUserResponse, User | null>('FindByUsername', { username }, userResponseFromWire);
  }

  requestCode(input: CodeRequest): Promise<CodeRequestResult> {
    return this.channel.call<WireCodeRequest, WireCodeRequestResult, CodeRequestResult>('RequestCode', { channel: input.channel, destination: input.destination }, codeRequestResultFromWire);
  }

  verifyCode(input: CodeVerification): Promise<CodeAuthResult> {
    return this.channel.call<WireVerifyCodeRequest, WireCodeAuthResult, CodeAuthResult>(
      'VerifyCode',
      { channel: input.channel, destination: input.destination, code: input.code },
      codeAuthResultFromWire,
    );
  }

  addIdentity(userId: string, input: CodeVerification): Promise<{ identity: IdentityView; created: boolean }> {
    return this.channel.call<WireAddIdentityRequest, WireAddIdentityResponse, { identity: IdentityView; created: boolean }>(
      'AddIdentity',
      { user_id: userId, code: { channel: input.channel, destination: input.destination, code: input.code } },
      (w) => ({ identity: identityFromWire(required(w.identity, 'identity')), created: w.created }),
    );
  }

  listIdentities(userId: string): Promise<IdentityView[]> {
    return this.channel.call<WireListIdentitiesRequest, WireIdentityList, IdentityView[]>('ListIdentities', { user_id: userId }, (w) => w.identities.map(identityFromWire));
  }

  close(): void {
    this.channel.close();
  }
}
