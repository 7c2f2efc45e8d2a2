import { Injectable } from '@nestjs/common';
import { User } from '@parley/domain';
import { AuthApi, AuthResult, JsonWebKeySet } from '@parley/ports';
import { GetUserUseCase } from './usecases/get-user/get-user.usecase';
import { JwksUseCase } from './usecases/jwks/jwks.usecase';
import { LoginUseCase } from './usecases/login/login.usecase';
import { LogoutUseCase } from './usecases/logout/logout.usecase';
import { RefreshUseCase } from './usecases/refresh/refresh.usecase';
import { RegisterUseCase } from './usecases/register/register.usecase';
import { SessionActiveUseCase } from './usecases/session-active/session-active.usecase';

/** The AuthApi port over the use cases (provided as AUTH_API). */
@Injectable()
export class AuthService implements AuthApi {
  constructor(
    private readonly registerUseCase: RegisterUseCase,
    private readonly loginUseCase: LoginUseCase,
    private readonly refreshUseCase: RefreshUseCase,
    private readonly logoutUseCase: LogoutUseCase,
    private readonly sessionActiveUseCase: SessionActiveUseCase,
    private readonly jwksUseCase: JwksUseCase,
    private readonly getUserUseCase: GetUserUseCase,
  ) {}

  register(input: { username: string; password: string; display_name?: string }): Promise<AuthResult> {
    return this.registerUseCase.execute(input);
  }

  login(input: { username: string; password: string }): Promise<AuthResult> {
    return this.loginUseCase.execute(input);
  }

  refresh(refreshToken: string): Promise<AuthResult> {
    return this.refreshUseCase.execute({ refreshToken });
  }

  logout(userId: string, sessionId: string): Promise<void> {
    return this.logoutUseCase.execute({ userId, sessionId });
  }

  sessionActive(sessionId: string): Promise<boolean> {
    return this.sessionActiveUseCase.execute(sessionId);
  }

  jwks(): Promise<JsonWebKeySet> {
    return this.jwksUseCase.execute();
  }

  getUser(userId: string): Promise<User | null> {
    return this.getUserUseCase.execute(userId);
  }
}
