import { Inject, Injectable } from '@nestjs/common';
import { RELATIONAL_DB, RelationalDb } from '@parley/ports';
import { isBoundedId } from '../../ids';
import { SessionRevocationNotifier } from '../../sessions/session-revocation.notifier';
import { SessionsRepository } from '../../storage/sessions.repository';

export interface LogoutInput {
  userId: string;
  sessionId: string;
}

/**
 * Revokes the caller's session, then announces it so its sockets close. Idempotent: a repeated
 * logout announces again (which also covers a first attempt whose announcement failed). A session
 * that is not the caller's (or does not exist) is left alone.
 */
@Injectable()
export class LogoutUseCase {
  constructor(
    @Inject(RELATIONAL_DB) private readonly db: RelationalDb,
    private readonly sessions: SessionsRepository,
    private readonly revocations: SessionRevocationNotifier,
  ) {}

  async execute(input: LogoutInput): Promise<void> {
    if (!isBoundedId(input.userId) || !isBoundedId(input.sessionId)) return;
    const owner = await this.db.transaction((tx) => this.sessions.revoke(tx, input.sessionId, input.userId));
    if (owner === null) return;
    await this.revocations.announce(owner, input.sessionId);
  }
}
