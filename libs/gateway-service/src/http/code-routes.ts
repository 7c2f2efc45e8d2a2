import { DomainError } from '@parley/domain';
import { AuthApi } from '@parley/ports';
import { Result, validateCodeRequest, validateCodeVerify } from '@parley/protocol';
import { AuthThrottle, rateLimited } from '../limits/auth-throttle';
import { RestRouter, RouteContext, RouteReply } from './rest-router';

type Authed = (fn: (ctx: RouteContext, me: { userId: string; sessionId: string }) => Promise<RouteReply>) => (ctx: RouteContext) => Promise<RouteReply>;

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw new DomainError('VALIDATION_FAILED', r.message);
  return r.value;
};

/**
 * One-time-code sign-in (docs/api/v1.md, Extensions; docs/adr/0012). A request answers 202 with
 * the same body whether or not an account exists; over the address's or the destination's limit
 * it is a 429 with Retry-After. A verification answers the tokens of a password sign-in.
 */
export function addCodeRoutes(router: RestRouter, auth: Pick<AuthApi, 'requestCode' | 'verifyCode' | 'addIdentity' | 'listIdentities'>, throttle: AuthThrottle, authed: Authed): RestRouter {
  return router
    .add('POST', '/v1/auth/code/request', async ({ x }) => {
      const input = must(validateCodeRequest(await x.readJson()));
      await throttle.beforeCodeRequest(x.address);
      const outcome = await auth.requestCode(input);
      if (outcome.status === 'throttled') throw rateLimited('too many sign-in codes for this destination; try again later', outcome.retry_after);
      return { status: 202, body: { expires_in: outcome.expires_in } };
    })
    .add('POST', '/v1/auth/code/verify', async ({ x }) => {
      const input = must(validateCodeVerify(await x.readJson()));
      await throttle.beforeCodeVerify(x.address);
      return { status: 200, body: await auth.verifyCode(input) };
    })
    // The caller's verified phone numbers and addresses; adding one takes a code requested as for sign-in.
    .add('GET', '/v1/me/identities', authed(async (_ctx, me) => ({ status: 200, body: { identities: await auth.listIdentities(me.userId) } })))
    .add('POST', '/v1/me/identities', authed(async ({ x }, me) => {
      const input = must(validateCodeVerify(await x.readJson()));
      await throttle.beforeCodeVerify(x.address);
      const { identity, created } = await auth.addIdentity(me.userId, input);
      return { status: created ? 201 : 200, body: { identity } };
    }));
}
