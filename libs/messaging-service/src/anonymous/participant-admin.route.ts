import { isParticipantId } from '@parley/domain';
import { Logger } from '@parley/observability';
import { AdminRoute } from '@parley/ports';
import { isCleanText } from '@parley/protocol';
import { ParticipantsRepository } from './participants.repository';

export const PARTICIPANTS_ADMIN_PREFIX = '/admin/v1/participants/';
const REASON_MAX = 500;

const error = (status: number, code: string, message: string) => ({ status, body: { error: { code, message } } });

/**
 * Issue 14 (docs/adr/0016): `GET /admin/v1/participants/{participant_id}?reason=...` on the
 * messaging service's admin port, for abuse handling. Only an operator reaches it (the public
 * gateway has no such route); every lookup is logged with the operator's reason, which is required.
 */
export function participantAdminRoute(participants: ParticipantsRepository, logger: Logger): AdminRoute {
  return {
    prefix: PARTICIPANTS_ADMIN_PREFIX,
    async handle(path, query) {
      const id = path.slice(PARTICIPANTS_ADMIN_PREFIX.length);
      if (!isParticipantId(id)) return error(400, 'VALIDATION_FAILED', 'participant_id must be p- and 16 base32 characters');
      const reason = (query.get('reason') ?? '').trim();
      if (reason.length === 0 || reason.length > REASON_MAX || hasControl(reason) || !isCleanText(reason)) {
        return error(400, 'VALIDATION_FAILED', `reason is required: 1 to ${REASON_MAX} characters, no control characters`);
      }
      const link = await participants.link(id);
      logger.info('operator looked up a participant', { participant_id: id, reason, found: link !== null });
      return link ? { status: 200, body: link } : error(404, 'NOT_FOUND', 'participant not found');
    },
  };
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
