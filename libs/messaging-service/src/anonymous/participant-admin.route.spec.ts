import { createLogger } from '@parley/observability';
import { participantAdminRoute, PARTICIPANTS_ADMIN_PREFIX } from './participant-admin.route';
import type { ParticipantLink, ParticipantsRepository } from './participants.repository';

const LINK: ParticipantLink = {
  participant_id: 'p-abcdefghijklmnop', conversation_id: 'c1', user_id: 'u1', display_name: 'Quiet Heron 4821', joined_at: '2026-12-05T00:00:00.000Z', left_at: null,
};

function setup() {
  const lines: string[] = [];
  const repo = { link: jest.fn(async (id: string) => (id === LINK.participant_id ? LINK : null)) } as unknown as ParticipantsRepository;
  const route = participantAdminRoute(repo, createLogger('test', 'info', {}, (l) => lines.push(l)));
  const get = (id: string, query = '') => route.handle(PARTICIPANTS_ADMIN_PREFIX + id, new URLSearchParams(query));
  return { lines, repo, get };
}

describe('operator participant lookup', () => {
  it('answers the link and logs the reason', async () => {
    const { lines, get } = setup();
    expect(await get(LINK.participant_id, 'reason=abuse+report+42')).toEqual({ status: 200, body: LINK });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ participant_id: LINK.participant_id, reason: 'abuse report 42', found: true });
  });

  it('refuses a missing, blank, oversized or control-character reason, and a malformed id, before any lookup', async () => {
    const { repo, get } = setup();
    for (const q of ['', 'reason=', 'reason=%20%20', `reason=${'x'.repeat(501)}`, 'reason=a%00b', 'reason=a%0Ab']) {
      expect((await get(LINK.participant_id, q)).status).toBe(400);
    }
    for (const id of ['', 'u1', 'p-short', 'p-ABCDEFGHIJKLMNOP', `${LINK.participant_id}/x`]) expect((await get(id, 'reason=x')).status).toBe(400);
    expect(repo.link).not.toHaveBeenCalled();
  });

  it('answers 404 for a pseudonym nobody has (and logs the lookup)', async () => {
    const { lines, get } = setup();
    expect((await get('p-aaaaaaaaaaaaaaaa', 'reason=x')).status).toBe(404);
    expect(JSON.parse(lines[0])).toMatchObject({ found: false });
  });
});
