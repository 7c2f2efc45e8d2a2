/**
 * Push in a 10,000-member group: nobody is connected, two members have a device, the creator sends
 * one message to everyone and one that @mentions one of the two. Exactly one push goes out, to the
 * mentioned member: above the large-group threshold the notification service pushes only a
 * message's mentions and never lists the members. The mesh runs the real APNs adapter
 * (@parse/node-apn) against a local APNs (HTTP/2 + TLS, a CA made for this run).
 * Mesh target only; PARLEY_SCALE_MEMBERS (default 10000) shrinks the group for a quick local run (with PARLEY_LARGE_GROUP_THRESHOLD below it, or every offline member is pushed).
 */
import { randomBytes } from 'node:crypto';
import { FakeApnsServer } from '../../libs/adapters/src/testing/push/fake-apns.server';
import { LocalApns, startLocalApns } from '../../libs/adapters/src/testing/push/local-apns';
import type { WireConversation } from '../support/contract';
import { restOk } from '../support/rest';
import { inParallel, registerMember, type Member } from '../support/scale-users';
import { useParley } from '../support/suite';
import { sleep } from '../support/wait';

const MEMBERS = Number(process.env.PARLEY_SCALE_MEMBERS || 10_000);
const COALESCE_MS = 1000;
const env: Record<string, string> = {
  PARLEY_PASSWORD_HASH_COST: 'test',
  PARLEY_PUSH_COALESCE_MS: String(COALESCE_MS),
  PARLEY_PUSH_APNS_KEY_ID: 'SCALEKEY01',
  PARLEY_PUSH_APNS_TEAM_ID: 'SCALETEAM1',
  PARLEY_PUSH_APNS_TOPIC: 'com.example.parley',
};
let local: LocalApns;
let apns: FakeApnsServer;

beforeAll(async () => {
  local = await startLocalApns();
  apns = local.apns;
  Object.assign(env, local.env);
});
const parley = useParley({ env });
afterAll(() => local.stop());

test(
  `a ${MEMBERS}-member group pushes only the member a message mentions`,
  async () => {
    const started = Date.now();
    const log = (what: string) => process.stderr.write(`[push scale +${Math.round((Date.now() - started) / 1000)} s] ${what}\n`);
    const { baseUrl } = parley.current;
    const runId = randomBytes(3).toString('hex');
    const names = Array.from({ length: MEMBERS }, (_, i) => `sp${runId}_${i}`);
    const members: Member[] = new Array(MEMBERS);
    await inParallel(MEMBERS, 32, async (i) => {
      members[i] = await registerMember(baseUrl, names[i]);
    });
    log(`registered ${MEMBERS} users`);
    const [creator, mentioned, other] = members;
    const ids = members.map((m) => m.userId);
    const group = await restOk<WireConversation>(baseUrl, 'POST', '/v1/conversations', 201, {
      token: creator.token,
      json: { type: 'group', title: `push scale ${runId}`, member_ids: ids.slice(1, 1000) },
    });
    for (let i = 1000; i < MEMBERS; i += 1000) {
      await restOk(baseUrl, 'POST', `/v1/conversations/${group.id}/members`, 200, { token: creator.token, json: { user_ids: ids.slice(i, i + 1000) } });
    }
    log(`group ${group.id} has ${MEMBERS} members`);
    const tokens = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
    for (const [i, m] of [mentioned, other].entries()) {
      await restOk(baseUrl, 'POST', '/v1/me/devices', 200, { token: m.token, json: { platform: 'apns', token: tokens[i], app_id: 'com.example.parley' } });
    }
    await restOk(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, 201, { token: creator.token, json: { client_msg_id: 'all', body: { text: 'hello everyone' } } });
    const sent = await restOk<{ message: { seq: number; mentions?: string[] } }>(baseUrl, 'POST', `/v1/conversations/${group.id}/messages`, 201, {
      token: creator.token,
      json: { client_msg_id: 'mention', body: { text: `@${names[1]} please look` } },
    });
    expect(sent.message.mentions).toEqual([mentioned.userId]);
    const until = Date.now() + 30_000;
    while (apns.requests.length === 0 && Date.now() < until) await sleep(100);
    await sleep(COALESCE_MS + 3000);
    log(`pushes: ${apns.requests.length}`);
    expect(apns.requests.map((r) => [r.token, r.body.seq, r.headers['apns-push-type']])).toEqual([[tokens[0], String(sent.message.seq), 'alert']]);
  },
  20 * 60_000,
);
