import { Inject, Injectable } from '@nestjs/common';
import { User } from '@parley/domain';
import { AuthResult, RelationalTx } from '@parley/ports';
import { randomUUID } from 'node:crypto';
import { AUTH_OPTIONS, AuthOptions } from '../auth.options';
import { newRefreshToken, refreshTokenHash } from '../credentials/refresh-token';
import { SigningKeyRing } from '../keys/signing-key-ring';
import { RefreshTokensRepository } from '../storage/refresh-tokens.repository';
import { SessionsRepository } from '../storage/sessions.repository';

/** What register, login and refresh hand out: a session's tokens. */
@Injectable()
export class SessionGrants {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: AuthOptions,
    private readonly sessions: SessionsRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly keyRing: SigningKeyRing,
  ) {}

  /** Opens a session with its first refresh token, in the caller's transaction. */
  async open(tx: RelationalTx, userId: string): Promise<{ sessionId: string; refreshToken: string }> {
    const sessionId = randomUUID();
    await this.sessions.create(tx, sessionId, userId);
    const refreshToken = newRefreshToken();
    await this.storeRefreshToken(tx, refreshToken, sessionId);
    return { sessionId, refreshToken };
  }

  storeRefreshToken(tx: RelationalTx, refreshToken: string, sessionId: string): Promise<void> {
    return this.refreshTokens.insert(tx, refreshTokenHash(refreshToken), sessionId, this.options.refreshTtlSeconds);
  }

  /** Signs the access token (after the session's rows are committed). */
  async result(user: User, sessionId: string, refreshToken: string): Promise<AuthResult> {
    const access = await this.keyRing.issueAccessToken(user.id, sessionId);
    return { user, access_token: access.token, refresh_token: refreshToken, expires_in: access.expiresIn };
  }
}
