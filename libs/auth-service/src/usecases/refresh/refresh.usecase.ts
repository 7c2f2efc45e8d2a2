import { Inject, Injectable } from '@nestjs/common';
import { unauthenticated, User } from '@parley/domain';
import { AuthResult, RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { isRefreshTokenShaped, newRefreshToken, refreshTokenHash } from '../../credentials/refresh-token';
import { SessionGrants } from '../../sessions/session-grants';
import { SessionRevocationNotifier } from '../../sessions/session-revocation.notifier';
import { RefreshTokensRepository } from '../../storage/refresh-tokens.repository';
import { SessionsRepository } from '../../storage/sessions.repository';
import { UsersRepository } from '../../storage/users.repository';

export interface RefreshInput {
  refreshToken: string;
}

type Outcome = { kind: 'rotated'; user: User; sessionId: string } | { kind: 'reused'; userId: string; sessionId: string };

/**
 * Rotates a refresh token: the presented one is used up and the session gets a new one. A token
 * presented after its rotation means two parties hold it (one of them a thief), so the whole
 * session is revoked and announced, and every token of it stops working.
 */
@Injectable()
export class RefreshUseCase {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly grants: SessionGrants,
    private readonly revocations: SessionRevocationNotifier,
  ) {}

  async execute(input: RefreshInput): Promise<AuthResult> {
    if (!isRefreshTokenShaped(input.refreshToken)) throw unauthenticated('invalid refresh token');
    const presented = refreshTokenHash(input.refreshToken);
    const next = newRefreshToken();
    // Failures inside roll the transaction back, so a rejected token is left as it was.
    const outcome = await this.db.transaction<Outcome>(async (tx) => {
      const consumed = await this.refreshTokens.consume(tx, presented, refreshTokenHash(next));
      if (!consumed) {
        const sessionId = await this.refreshTokens.sessionOf(tx, presented);
        if (sessionId === null) throw unauthenticated('invalid refresh token');
        const userId = await this.sessions.revoke(tx, sessionId);
        if (userId === null) throw new Error(`refresh token of a missing session ${sessionId}`);
        return { kind: 'reused', userId, sessionId };
      }
      if (consumed.expired) throw unauthenticated('refresh token expired');
      const session = await this.sessions.find(tx, consumed.sessionId);
      if (!session || session.revoked) throw unauthenticated('session revoked');
      const user = await this.users.findById(session.userId, tx);
      if (!user) throw new Error(`session ${session.id} of a missing user`);
      await this.grants.storeRefreshToken(tx, next, session.id);
      return { kind: 'rotated', user, sessionId: session.id };
    });
    if (outcome.kind === 'reused') {
      await this.revocations.announce(outcome.userId, outcome.sessionId);
      throw unauthenticated('refresh token already used; the session is revoked');
    }
    return this.grants.result(outcome.user, outcome.sessionId, next);
  }
}
