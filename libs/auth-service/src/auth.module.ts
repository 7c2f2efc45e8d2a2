import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { AUTH_API, RELATIONAL_DB, SQL_DB, SqlDb, USER_DIRECTORY } from '@parley/ports';
import { AUTH_OPTIONS, AuthOptions, checkAuthOptions } from './auth.options';
import { AuthService } from './auth.service';
import { PasswordHasher } from './credentials/password-hasher';
import { SigningKeyRing } from './keys/signing-key-ring';
import { SessionGrants } from './sessions/session-grants';
import { SessionRevocationNotifier } from './sessions/session-revocation.notifier';
import { RefreshTokensRepository } from './storage/refresh-tokens.repository';
import { SessionsRepository } from './storage/sessions.repository';
import { SigningKeysRepository } from './storage/signing-keys.repository';
import { UsersRepository } from './storage/users.repository';
import { GetUserUseCase } from './usecases/get-user/get-user.usecase';
import { JwksUseCase } from './usecases/jwks/jwks.usecase';
import { LoginUseCase } from './usecases/login/login.usecase';
import { LogoutUseCase } from './usecases/logout/logout.usecase';
import { RefreshUseCase } from './usecases/refresh/refresh.usecase';
import { RegisterUseCase } from './usecases/register/register.usecase';
import { SessionActiveUseCase } from './usecases/session-active/session-active.usecase';
import { UserDirectory } from './users/user-directory';
import { CodePepper } from './codes/code-pepper';
import { CodeConsumer } from './codes/code-consumer';
import { AddIdentityUseCase } from './usecases/identities/add-identity.usecase';
import { IdentitiesRepository } from './storage/identities.repository';
import { LoginCodesRepository } from './storage/login-codes.repository';
import { RequestCodeUseCase } from './usecases/request-code/request-code.usecase';
import { VerifyCodeUseCase } from './usecases/verify-code/verify-code.usecase';

/**
 * The auth service. Its repositories use Prisma Client over `SQL_DB`'s connections
 * (`SqlDb.relational()`, docs/adr/0004-relational-data.md). Needs `SQL_DB` (with `authMigrations` applied) and `EVENT_LOG` from the
 * composition root: from a global module, or from the modules passed as `imports`. Exports
 * `AUTH_API` and `USER_DIRECTORY`. One-time codes go out through `CODE_SENDERS` when the root
 * provides it (a channel without a sender is off). Its init loads (or creates) the signing key.
 */
@Module({})
export class AuthModule {
  static register(options: AuthOptions, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      imports,
      providers: [
        { provide: AUTH_OPTIONS, useValue: checkAuthOptions(options) },
        { provide: RELATIONAL_DB, inject: [SQL_DB], useFactory: (db: SqlDb) => db.relational() },
        UsersRepository,
        SessionsRepository,
        RefreshTokensRepository,
        SigningKeysRepository,
        PasswordHasher,
        SigningKeyRing,
        SessionGrants,
        SessionRevocationNotifier,
        RegisterUseCase,
        LoginUseCase,
        RefreshUseCase,
        LogoutUseCase,
        SessionActiveUseCase,
        JwksUseCase,
        GetUserUseCase,
        LoginCodesRepository,
        IdentitiesRepository,
        CodePepper,
        CodeConsumer,
        AddIdentityUseCase,
        RequestCodeUseCase,
        VerifyCodeUseCase,
        AuthService,
        { provide: AUTH_API, useExisting: AuthService },
        UserDirectory,
        { provide: USER_DIRECTORY, useExisting: UserDirectory },
      ],
      exports: [AUTH_API, USER_DIRECTORY],
    };
  }
}
