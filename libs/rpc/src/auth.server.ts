import type { Server } from '@grpc/grpc-js';
import { DomainError } from '@parley/domain';
import type { AuthApi, UserDirectory } from '@parley/ports';
import { EMPTY, type WireEmpty } from './common.mapping';
import { required } from './wire-values';
import { unaryHandlers, type ServeOptions } from './grpc-server';
import { parleyServices } from './protos';
import {
  channelFromWire,
  codeAuthResultToWire,
  codeRequestResultToWire,
  jwksToWire,
  type WireAddIdentityRequest,
  type WireAddIdentityResponse,
  type WireIdentityList,
  type WireListIdentitiesRequest,
  type WireCodeAuthResult,
  type WireCodeRequest,
  type WireCodeRequestResult,
  type WireVerifyCodeRequest,
  registerFromWire,
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
  MAX_SESSIONS_PER_CALL,
} from './auth.mapping';

/** Serves the auth service (parley.v1.Auth) from its in-process implementation. */
export function serveAuth(server: Server, impl: AuthApi & UserDirectory, options: ServeOptions = {}): void {
  const unary = unaryHandlers('Auth', options);
  server.addService(parleyServices(options.protoDir).Auth, {
    Register: unary('Register', (req: WireRegisterRequest): Promise<WireAuthResult> => impl.register(registerFromWire(req))),
    Login: unary('Login', (req: WireLoginRequest): Promise<WireAuthResult> => impl.login({ username: req.username, password: req.password })),
    Refresh: unary('Refresh', (req: WireRefreshRequest): Promise<WireAuthResult> => impl.refresh(req.refresh_token)),
    Logout: unary('Logout', async (req: WireLogoutRequest): Promise<WireEmpty> => {
      await impl.logout(req.user_id, req.session_id);
      return EMPTY;
    }),
    SessionActive: unary('SessionActive', async (req: WireSessionActiveRequest): Promise<WireSessionActiveResponse> => ({ active: await impl.sessionActive(req.session_id) })),
    SessionsActive: unary('SessionsActive', async (req: WireSessionsActiveRequest): Promise<WireSessionsActiveResponse> => {
      if (req.session_ids.length > MAX_SESSIONS_PER_CALL) throw new DomainError('VALIDATION_FAILED', `at most ${MAX_SESSIONS_PER_CALL} session ids per call`);
      return { active: await impl.sessionsActive(req.session_ids) };
    }),
    Jwks: unary('Jwks', async (): Promise<WireJwksResponse> => jwksToWire(await impl.jwks())),
    GetUser: unary('GetUser', async (req: WireGetUserRequest): Promise<WireUserResponse> => ({ user: await impl.getUser(req.user_id) })),
    ExistingIds: unary('ExistingIds', async (req: WireExistingIds): Promise<WireExistingIds> => ({ ids: [...(await impl.existingIds(req.ids))] })),
    FindByUsername: unary('FindByUsername', async (req: WireFindByUsernameRequest): Promise<WireUserResponse> => ({ user: await impl.findByUsername(req.username) })),
    RequestCode: unary('RequestCode', async (req: WireCodeRequest): Promise<WireCodeRequestResult> =>
      codeRequestResultToWire(await impl.requestCode({ channel: channelFromWire(req.channel), destination: req.destination })),
    ),
    AddIdentity: unary('AddIdentity', async (req: WireAddIdentityRequest): Promise<WireAddIdentityResponse> => {
      const c = required(req.code, 'code');
      return impl.addIdentity(req.user_id, { channel: channelFromWire(c.channel), destination: c.destination, code: c.code });
    }),
    ListIdentities: unary('ListIdentities', async (req: WireListIdentitiesRequest): Promise<WireIdentityList> => ({ identities: await impl.listIdentities(req.user_id) })),
    VerifyCode: unary('VerifyCode', async (req: WireVerifyCodeRequest): Promise<WireCodeAuthResult> =>
      codeAuthResultToWire(await impl.verifyCode({ channel: channelFromWire(req.channel), destination: req.destination, code: req.code })),
    ),
  });
}
