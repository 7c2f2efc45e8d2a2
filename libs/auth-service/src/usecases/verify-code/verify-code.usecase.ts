import { Inject, Injectable } from '@nestjs/common';
import { unauthenticated, User } from '@parley/domain';
import { CodeAuthResult, CodeChannel, CodeVerification, RELATIONAL_DB, RelationalDb, RelationalTx } from '@parley/ports';
import { randomBytes, randomUUID } from 'node:crypto';
import { CodeConsumer } from '../../codes/code-consumer';
import { normalizeDestination } from '../../codes/destination';
import { PasswordHasher } from '../../credentials/password-hasher';
import { SessionGrants } from '../../sessions/session-grants';
import { IdentitiesRepository } from '../../storage/identities.repository';
import { UsersRepository } from '../../storage/users.repository';

type Outcome = { ok: false } | { ok: true; user: User; newUser: boolean; sessionId: string; refreshToken: string };

/**
 * Uses a code (CodeConsumer: attempts, burning, one use) and signs in the destination's owner,
 * creating the account on a destination's first sign-in (docs/adr/0012). Every failure is the
 * same 401.
 */
@Injectable()
export class VerifyCodeUseCase {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    private readonly codes: CodeConsumer,
    private readonly identities: IdentitiesRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly grants: SessionGrants,
  ) {}

  async execute(input: CodeVerification): Promise<CodeAuthResult> {
    const address = normalizeDestination(input.channel, input.destination);
    // Committed either way: a wrong guess must stay spent.
    const outcome = await this.db.transaction<Outcome>(async (tx) => {
      if (!(await this.codes.consume(tx, input.channel, address, input.code))) return { ok: false };
      const { user, newUser } = await this.ownerOrNewUser(tx, input.channel, address);
      return { ok: true, user, newUser, ...(await this.grants.open(tx, user.id)) };
    });
    if (!outcome.ok) throw unauthenticated('invalid or expired code');
    return { ...(await this.grants.result(outcome.user, outcome.sessionId, outcome.refreshToken)), new_user: outcome.newUser };
  }

  /**
   * The identity's user, or a new account owning it: a generated username (changeable later), no
   * usable password (the hash of a random secret nobody keeps), and nothing of the address shown.
   */
  private async ownerOrNewUser(tx: RelationalTx, channel: CodeChannel, address: string): Promise<{ user: User; newUser: boolean }> {
    const owner = await this.identities.ownerOf(tx, channel, address);
    const existing = owner ? await this.users.findById(owner, tx) : null;
    if (existing) return { user: existing, newUser: false };
    const username = `u-${randomBytes(8).toString('hex')}`;
    const passwordHash = await this.hasher.hash(randomBytes(32).toString('base64url'));
    const user = await this.users.insert(tx, { id: randomUUID(), username, displayName: username, passwordHash });
    await this.identities.insert(tx, channel, address, user.id);
    return { user, newUser: true };
  }
}
