import { Inject, Injectable, Optional } from '@nestjs/common';
import { isDomainError, User } from '@parley/domain';
import { RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { Logger, LOGGER, Metrics, METRICS } from '@parley/observability';
import { AuthApi, AuthResult, CodeAuthResult, CodeRequest, CodeRequestResult, CodeVerification, IdentityView, JsonWebKeySet } from '@parley/ports';
import { IdentitiesRepository } from './storage/identities.repository';
import { AddIdentityUseCase } from './usecases/identities/add-identity.usecase';
import { GetUserUseCase } from './usecases/get-user/get-user.usecase';
import { JwksUseCase } from './usecases/jwks/jwks.usecase';
import { LoginUseCase } from './usecases/login/login.usecase';
import { LogoutUseCase } from './usecases/logout/logout.usecase';
import { RefreshUseCase } from './usecases/refresh/refresh.usecase';
import { RegisterUseCase } from './usecases/register/register.usecase';
import { RequestCodeUseCase } from './usecases/request-code/request-code.usecase';
import { VerifyCodeUseCase } from './usecases/verify-code/verify-code.usecase';
import { SessionActiveUseCase } from './usecases/session-active/session-active.usecase';

type Op = 'register' | 'login' | 'refresh' | 'logout' | 'code_request' | 'code_verify' | 'identity_add';

/**
 * The AuthApi port over the use cases (provided as AUTH_API). Counts each operation's outcome
 * (parley_auth_operations_total) and logs a refusal with its reason: never a password or token.
 */
@Injectable()
export class AuthService implements AuthApi {
  private readonly outcomes;

  constructor(
    private readonly registerUseCase: RegisterUseCase,
    private readonly loginUseCase: LoginUseCase,
    private readonly refreshUseCase: RefreshUseCase,
    private readonly logoutUseCase: LogoutUseCase,
    private readonly sessionActiveUseCase: SessionActiveUseCase,
    private readonly jwksUseCase: JwksUseCase,
    private readonly getUserUseCase: GetUserUseCase,
    private readonly requestCodeUseCase: RequestCodeUseCase,
    private readonly verifyCodeUseCase: VerifyCodeUseCase,
    private readonly addIdentityUseCase: AddIdentityUseCase,
    private readonly identities: IdentitiesRepository,
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    @Optional() @Inject(METRICS) metrics?: Metrics,
    @Optional() @Inject(LOGGER) private readonly logger?: Logger,
  ) {
    this.outcomes = metrics?.counter('parley_auth_operations_total', 'auth operations by outcome (ok, or the error code)', ['op', 'outcome']);
  }

  register(input: { username: string; password: string; display_name?: string }): Promise<AuthResult> {
    return this.counted('register', () => this.registerUseCase.execute(input));
  }

  login(input: { username: string; password: string }): Promise<AuthResult> {
    return this.counted('login', () => this.loginUseCase.execute(input));
  }

  refresh(refreshToken: string): Promise<AuthResult> {
    return this.counted('refresh', () => this.refreshUseCase.execute({ refreshToken }));
  }

  logout(userId: string, sessionId: string): Promise<void> {
    return this.counted('logout', () => this.logoutUseCase.execute({ userId, sessionId }));
  }

  requestCode(input: CodeRequest): Promise<CodeRequestResult> {
    return this.counted('code_request', () => this.requestCodeUseCase.execute(input));
  }

  verifyCode(input: CodeVerification): Promise<CodeAuthResult> {
    return this.counted('code_verify', () => this.verifyCodeUseCase.execute(input));
  }

  addIdentity(userId: string, input: CodeVerification): Promise<{ identity: IdentityView; created: boolean }> {
    return this.counted('identity_add', () => this.addIdentityUseCase.execute(userId, input));
  }

  listIdentities(userId: string): Promise<IdentityView[]> {
    return this.db.run((c) => this.identities.listOf(c, userId));
  }

  private async counted<T>(op: Op, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      this.outcomes?.inc({ op, outcome: 'ok' });
      return result;
    } catch (err) {
      const outcome = isDomainError(err) ? err.code : 'INTERNAL';
      this.outcomes?.inc({ op, outcome });
      if (outcome === 'UNAUTHENTICATED' || outcome === 'VALIDATION_FAILED' || outcome === 'CONFLICT') {
        this.logger?.info('auth refused', { op, reason: outcome, detail: isDomainError(err) ? err.message : undefined });
      }
      throw err;
    }
  }

  sessionActive(sessionId: string): Promise<boolean> {
    return this.sessionActiveUseCase.execute(sessionId);
  }

  sessionsActive(sessionIds: readonly string[]): Promise<boolean[]> {
    return this.sessionActiveUseCase.executeMany(sessionIds);
  }

  jwks(): Promise<JsonWebKeySet> {
    return this.jwksUseCase.execute();
  }

  getUser(userId: string): Promise<User | null> {
    return this.getUserUseCase.execute(userId);
  }
}
