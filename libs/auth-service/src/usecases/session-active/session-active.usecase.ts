import { Injectable } from '@nestjs/common';
import { isBoundedId } from '../../ids';
import { SessionsRepository } from '../../storage/sessions.repository';

/** True while the session exists and is not revoked (logout, refresh-token reuse). */
@Injectable()
export class SessionActiveUseCase {
  constructor(private readonly sessions: SessionsRepository) {}

  async execute(sessionId: string): Promise<boolean> {
    return isBoundedId(sessionId) ? this.sessions.isActive(sessionId) : false;
  }
}
