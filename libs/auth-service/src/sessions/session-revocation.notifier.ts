import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@parley/domain';
import { ConversationEvent, EVENT_LOG, EventLog, Topics } from '@parley/ports';

/**
 * Announces a revoked session on the events log (key: user id) so every gateway closes that
 * session's sockets with 4401. Announcing twice is harmless, so callers may retry.
 */
@Injectable()
export class SessionRevocationNotifier {
  constructor(@Inject(EVENT_LOG) private readonly log: EventLog) {}

  async announce(userId: string, sessionId: string): Promise<void> {
    const event: ConversationEvent = { type: 'session.revoked', user_id: userId, session_id: sessionId };
    try {
      await this.log.append(Topics.events, userId, event);
    } catch (e) {
      const unavailable = new DomainError('UNAVAILABLE', 'the session is revoked but its sockets could not be told yet; retry');
      unavailable.cause = e;
      throw unavailable;
    }
  }
}
