import { Injectable } from '@nestjs/common';
import { validationFailed } from '@parley/domain';
import { isBoundedId } from '../../ids';
import { SessionsRepository } from '../../storage/sessions.repository';

export const MAX_SESSIONS_PER_LOOKUP = 1000;

/** True while the session exists and is not revoked (logout, refresh-token reuse). */
@Injectable()
export class SessionActiveUseCase {
  constructor(private readonly sessions: SessionsRepository) {}

  async execute(sessionId: string): Promise<boolean> {
    return isBoundedId(sessionId) ? this.sessions.isActive(sessionId) : false;
  }

  async executeMany(sessionIds: readonly string[]): Promise<boolean[]> {
    if (sessionIds.length > MAX_SESSIONS_PER_LOOKUP) throw validationFailed(`at most ${MAX_SESSIONS_PER_LOOKUP} session ids per lookup`);
    const ids = sessionIds.filter(isBoundedId);
    const active = ids.length === 0 ? new Set<string>() : await this.sessions.activeAmong(ids);
    return sessionIds.map((id) => active.has(id));
  }
}
