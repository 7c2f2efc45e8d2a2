import { Inject, Injectable } from '@nestjs/common';
import { conflict } from '@parley/domain';
import { AuthResult, isUniqueViolation, RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { randomUUID } from 'node:crypto';
import { checkRegistration } from '../../credentials/credential-rules';
import { PasswordHasher } from '../../credentials/password-hasher';
import { SessionGrants } from '../../sessions/session-grants';
import { UsersRepository } from '../../storage/users.repository';

export interface RegisterInput {
  username: string;
  password: string;
  display_name?: string;
}

/** Creates an account and its first session. A username taken in any letter case is a CONFLICT. */
@Injectable()
export class RegisterUseCase {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly grants: SessionGrants,
  ) {}

  async execute(input: RegisterInput): Promise<AuthResult> {
    const cmd = checkRegistration(input);
    // Saves the hashing work in the common case; the unique index settles concurrent registrations.
    if (await this.users.usernameTaken(cmd.username)) throw taken();
    const passwordHash = await this.hasher.hash(cmd.password);
    let created;
    try {
      created = await this.db.transaction(async (tx) => {
        const user = await this.users.insert(tx, { id: randomUUID(), username: cmd.username, displayName: cmd.displayName, passwordHash });
        return { user, ...(await this.grants.open(tx, user.id)) };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw taken();
      throw e;
    }
    return this.grants.result(created.user, created.sessionId, created.refreshToken);
  }
}

const taken = () => conflict('username is taken');
