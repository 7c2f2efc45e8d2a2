import { Inject, Injectable } from '@nestjs/common';
import { unauthenticated } from '@parley/domain';
import { AuthResult, RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { checkPassword, normalizeUsername } from '../../credentials/credential-rules';
import { PasswordHasher } from '../../credentials/password-hasher';
import { SessionGrants } from '../../sessions/session-grants';
import { UsersRepository } from '../../storage/users.repository';

export interface LoginInput {
  username: string;
  password: string;
}

/**
 * Checks credentials and opens a new session. Unknown user and wrong password give the same
 * answer after the same work (one argon2 verification), so neither reveals which usernames exist.
 */
@Injectable()
export class LoginUseCase {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly grants: SessionGrants,
  ) {}

  async execute(input: LoginInput): Promise<AuthResult> {
    const password = checkPassword(input.password);
    const username = normalizeUsername(input.username);
    const found = username === null ? null : await this.users.findCredentials(username);
    const valid = found ? await this.hasher.verify(found.passwordHash, password) : await this.hasher.verifyDecoy(password);
    if (!found || !valid) throw unauthenticated('invalid username or password');
    const { sessionId, refreshToken } = await this.db.transaction((tx) => this.grants.open(tx, found.user.id));
    return this.grants.result(found.user, sessionId, refreshToken);
  }
}
