import type { ConversationView } from '@parley/ports';
import { AnonymousAliases } from './anonymous-aliases';

const view = (anonymous: boolean, participantId?: string): ConversationView => ({
  id: 'c1', type: 'group', title: 't', created_at: '2026-12-05T00:00:00.000Z', member_count: 3, last_seq: 0,
  me: { role: 'member', rank: 'member', last_read_seq: 0, unread_count: 0, ...(participantId ? { participant_id: participantId } : {}) },
  ...(anonymous ? { anonymous: 'allowed' as const } : {}),
});

describe('AnonymousAliases', () => {
  it('asks once about a plain conversation and never again', async () => {
    const get = jest.fn(async () => view(false));
    const aliases = new AnonymousAliases({ get });
    expect(await aliases.typingAlias('u1', 'c1')).toEqual({});
    expect(await aliases.typingAlias('u2', 'c1')).toEqual({});
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('gives an anonymous member their pseudonym, cached briefly, and a named member of the group none', async () => {
    let now = 0;
    const get = jest.fn(async (userId: string) => view(true, userId === 'anon' ? 'p-abcdefghijklmnop' : undefined));
    const aliases = new AnonymousAliases({ get }, () => now);
    expect(await aliases.typingAlias('anon', 'c1')).toEqual({ participant_id: 'p-abcdefghijklmnop' });
    expect(await aliases.typingAlias('anon', 'c1')).toEqual({ participant_id: 'p-abcdefghijklmnop' });
    expect(get).toHaveBeenCalledTimes(1);
    expect(await aliases.typingAlias('named', 'c1')).toEqual({});
    now = 10_001;
    await aliases.typingAlias('anon', 'c1');
    expect(get).toHaveBeenCalledTimes(3);
  });
});
