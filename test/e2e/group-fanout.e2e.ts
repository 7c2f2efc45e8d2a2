import { isMessageFrame, type Frame, type WireConversation } from '../support/contract';
import { HistoryChecker } from '../support/history-checker';
import { restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, makeWs, registerUsers } from '../support/users';
import type { TestSocket } from '../support/ws-client';

// Senders here fire as fast as acks come back; the per-connection send rate limit is not under test.
const parley = useParley({ env: { PARLEY_SEND_RATE_PER_SECOND: '1000' } });

const MEMBERS = 50;
const SENDERS = 5;
const MESSAGES_PER_SENDER = 10;

describe('group fan-out', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest(`a ${MEMBERS}-member group receives every message in order from ${SENDERS} concurrent senders`, async () => {
    const { baseUrl, wsUrl } = parley.current;
    const checker = new HistoryChecker(baseUrl);
    const users = await registerUsers(baseUrl, 'grp', MEMBERS);
    const [creator, ...others] = users;

    // Everyone is connected before the group exists: joining must route the group's messages to open sockets.
    for (const [i, u] of users.entries()) {
      sockets.push(await makeWs(wsUrl, u.accessToken, { checker, clientId: `member${i}` }));
    }

    const group = await createGroup(baseUrl, creator.accessToken, 'fifty', others.map((u) => u.user.id));
    expect(group).toMatchObject({ type: 'group', title: 'fifty', member_count: MEMBERS, last_seq: 0, me: { role: 'admin' } });
    checker.addReader(group.id, creator.accessToken);

    // Members listed in pages of 20: all fifty, the creator the only admin.
    const members: Array<{ user_id: string; role: string; joined_at: string }> = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor === null ? '?limit=20' : `?limit=20&cursor=${encodeURIComponent(cursor)}`;
      const res: { members: typeof members; next_cursor: string | null } = await restOk(
        baseUrl,
        'GET',
        `/v1/conversations/${group.id}/members${query}`,
        200,
        { token: others[3].accessToken },
      );
      expect(res.members.length).toBeLessThanOrEqual(20);
      members.push(...res.members);
      cursor = res.next_cursor;
      if (cursor === null) break;
    }
    expect(new Set(members.map((m) => m.user_id))).toEqual(new Set(users.map((u) => u.user.id)));
    expect(members).toHaveLength(MEMBERS);
    expect(members.filter((m) => m.role === 'admin').map((m) => m.user_id)).toEqual([creator.user.id]);

    // A joined member's own view.
    const memberView = await restOk<WireConversation>(baseUrl, 'GET', `/v1/conversations/${group.id}`, 200, { token: others[10].accessToken });
    expect(memberView).toMatchObject({ id: group.id, member_count: MEMBERS, me: { role: 'member', last_read_seq: 0 } });

    // Several senders at once, each waiting for its own persisted ack before the next message.
    const senderSockets = sockets.slice(0, SENDERS);
    const acksBySender = await Promise.all(
      senderSockets.map(async (s, i) => {
        const seqs: number[] = [];
        for (let n = 0; n < MESSAGES_PER_SENDER; n++) {
          const ack = await s.sendMessage(group.id, `sender ${i} message ${n}`);
          seqs.push(ack.seq);
        }
        return seqs;
      }),
    );
    const total = SENDERS * MESSAGES_PER_SENDER;
    // One sender's messages are stored in the order it sent them.
    for (const seqs of acksBySender) expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(acksBySender.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    const isGroupMessage = (f: Frame) => isMessageFrame(f) && f.conversation_id === group.id;
    await Promise.all(sockets.map((s) => s.waitForCount(isGroupMessage, total, `messages of ${group.id}`)));
    for (const s of sockets) {
      expect(s.messages(group.id).map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }

    // Members who were online when added were told about the group.
    for (const s of sockets.slice(1)) {
      const added = await s.waitFor((f) => f.type === 'conversation' && f.event === 'added', 'conversation added');
      expect(added.conversation).toMatchObject({ id: group.id, type: 'group' });
    }

    const view = await restOk<WireConversation>(baseUrl, 'GET', `/v1/conversations/${group.id}`, 200, { token: others[20].accessToken });
    expect(view).toMatchObject({ last_seq: total, me: { last_read_seq: 0, unread_count: total } });

    checker.expectCompleteDelivery(group.id, sockets.map((s) => s.clientId));
    await checker.verify();
  });
});
