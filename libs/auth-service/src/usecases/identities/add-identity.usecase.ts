import { Inject, Injectable } from '@nestjs/common';
import { conflict, unauthenticated, validationFailed } from '@parley/domain';
import { CodeVerification, IdentityView, isUniqueViolation, RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { CodeConsumer } from '../../codes/code-consumer';
import { normalizeDestination } from '../../codes/destination';
import { IdentitiesRepository } from '../../storage/identities.repository';

/** Phone numbers and addresses one account may keep. */
export const MAX_IDENTITIES_PER_USER = 10;

type Outcome = { kind: 'bad-code' } | { kind: 'taken' } | { kind: 'full' } | { kind: 'ok'; created: boolean };

/**
 * Links a destination to a signed-in user (a password account gains code sign-in) with a code
 * sent to it. The code is used first, so "belongs to another account" is only ever said to
 * someone who just proved they receive that destination's codes.
 */
@Injectable()
export class AddIdentityUseCase {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    private readonly codes: CodeConsumer,
    private readonly identities: IdentitiesRepository,
  ) {}

  async execute(userId: string, input: CodeVerification): Promise<{ identity: IdentityView; created: boolean }> {
    const address = normalizeDestination(input.channel, input.destination);
    let outcome: Outcome;
    try {
      outcome = await this.db.transaction<Outcome>(async (tx) => {
        if (!(await this.codes.consume(tx, input.channel, address, input.code))) return { kind: 'bad-code' };
        const owner = await this.identities.ownerOf(tx, input.channel, address);
        if (owner === userId) return { kind: 'ok', created: false };
        if (owner !== null) return { kind: 'taken' };
        if ((await this.identities.listOf(tx, userId)).length >= MAX_IDENTITIES_PER_USER) return { kind: 'full' };
        await this.identities.insert(tx, input.channel, address, userId);
        return { kind: 'ok', created: true };
      });
    } catch (e) {
      // Another account took it at the same moment (the code was then not used: it rolled back).
      if (isUniqueViolation(e)) outcome = { kind: 'taken' };
      else throw e;
    }
    if (outcome.kind === 'bad-code') throw unauthenticated('invalid or expired code');
    if (outcome.kind === 'taken') throw conflict('this destination belongs to another account');
    if (outcome.kind === 'full') throw validationFailed(`an account keeps at most ${MAX_IDENTITIES_PER_USER} phone numbers and addresses`);
    const identity = (await this.db.run((c) => this.identities.listOf(c, userId))).find((i) => i.channel === input.channel && i.destination === address);
    if (!identity) throw new Error('identity vanished after it was stored');
    return { identity, created: outcome.created };
  }
}
