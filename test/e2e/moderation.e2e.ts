/**
 * Issue 13.4: moderation for large communities (docs/adr/0017-moderation.md): ranks, mutes and
 * slow mode with retry_after (REST and WebSocket), announcement conversations, kicks, bans,
 * reports and the audit log, through the SDK and raw HTTP, on standalone and
 * (PARLEY_E2E_TARGET=mesh) on the mesh. Every bad input is a 4xx.
 */
import { randomUUID } from 'node:crypto';
import { ParleyApiError, ParleyRest } from '@parley/client';
import type { ErrorFrame, WireError, WireMessage } from '../support/contract';
import { rest } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createGroup, registerUser, type TestUser } from '../support/users';
import { makeWs } from '../support/users';
import type { TestSocket } from '../support/ws-client';

const parley = useParley();

type Refusal = WireError & { error: { retry_after?: number } };

async function refusal(p: Promise<unknown>): Promise<ParleyApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ParleyApiError) return e;
    throw e;
  }
  throw new Error('expected the call to be refused');
}

describe('moderation (issue 13.4)', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  e2eTest('ranks, mute and slow mode with retry_after, announcements, reports, kick, ban and the audit log', async () => {
    const { baseUrl, wsUrl } = parley.current;
    const [alice, bob, carol, dave, erin, mallory] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin', 'mallory'].map((p) => registerUser(baseUrl, p)));
    const sdk = (u: TestUser) => new ParleyRest({ baseUrl, getAccessToken: () => u.accessToken });
    const [a, b, c, d, e, m] = [alice, bob, carol, dave, erin, mallory].map(sdk);
    const group = await createGroup(baseUrl, alice.accessToken, 'moderated', [bob.user.id, carol.user.id, dave.user.id, erin.user.id]);
    const id = group.id;
    const raw = (u: TestUser, method: string, path: string, json?: unknown) => rest<Refusal>(baseUrl, method, `/v1/conversations/${id}${path}`, { token: u.accessToken, ...(json === undefined ? {} : { json }) });
    const send = (u: TestUser, text: string, clientMsgId: string = randomUUID()) => raw(u, 'POST', '/messages', { client_msg_id: clientMsgId, body: { text } });

    // Ranks: the creator is the owner (v1 role admin); the v1 role stays the admin flag.
    expect((await a.getConversation(id)).me).toMatchObject({ role: 'admin', rank: 'owner' });
    expect((await d.getConversation(id)).me).toMatchObject({ role: 'member', rank: 'member' });
    expect((await refusal(b.setRank(id, dave.user.id, 'moderator'))).status).toBe(403);
    expect(await a.setRank(id, bob.user.id, 'moderator')).toMatchObject({ user_id: bob.user.id, rank: 'moderator', role: 'member', muted_until: null });
    expect(await a.setRank(id, carol.user.id, 'admin')).toMatchObject({ rank: 'admin', role: 'admin' });
    expect((await refusal(c.setRank(id, alice.user.id, 'member'))).status).toBe(403); // above her
    expect((await refusal(c.setRank(id, dave.user.id, 'admin'))).status).toBe(403); // not below her own
    expect((await refusal(a.setRank(id, alice.user.id, 'admin'))).code).toBe('CONFLICT'); // the last owner stays
    const members = await a.listMembers(id);
    expect(Object.fromEntries(members.members.map((x) => [x.user_id, [x.role, x.rank]]))).toEqual({
      [alice.user.id]: ['admin', 'owner'], [bob.user.id]: ['member', 'moderator'], [carol.user.id]: ['admin', 'admin'],
      [dave.user.id]: ['member', 'member'], [erin.user.id]: ['member', 'member'],
    });

    // Bad input: 4xx, never 500.
    const bad: Array<[TestUser, string, string, unknown, number]> = [
      [alice, 'PUT', `/members/${dave.user.id}/rank`, { rank: 'king' }, 400],
      [alice, 'PUT', `/members/${dave.user.id}/rank`, undefined, 400],
      [bob, 'POST', `/members/${dave.user.id}/mute`, { duration_seconds: 0 }, 400],
      [bob, 'POST', `/members/${dave.user.id}/mute`, { duration_seconds: '60' }, 400],
      [bob, 'POST', `/members/${dave.user.id}/mute`, { duration_seconds: 10 ** 12 }, 400],
      [bob, 'POST', `/members/nobody-${randomUUID()}/mute`, { duration_seconds: 60 }, 404],
      [bob, 'PATCH', '/moderation', {}, 400],
      [bob, 'PATCH', '/moderation', { slow_mode_seconds: -1 }, 400],
      [bob, 'PATCH', '/moderation', { slow_mode_seconds: 1.5 }, 400],
      [bob, 'GET', '/reports?status=closed', undefined, 400],
      [bob, 'GET', '/audit?cursor=%21%21', undefined, 400],
      [bob, 'GET', '/audit?cursor=abc', undefined, 400],
      [bob, 'GET', '/bans?cursor=AA', undefined, 400],
      [bob, 'GET', '/audit?limit=0', undefined, 400],
      [bob, 'POST', '/reports/abc/resolve', { resolution: 'dismissed' }, 400],
      [bob, 'POST', '/reports/123456789/resolve', { resolution: 'maybe' }, 400],
      [bob, 'POST', '/reports/123456789/resolve', { resolution: 'dismissed' }, 404],
      [dave, 'POST', '/messages/0/reports', { reason: 'x' }, 400],
      [dave, 'POST', '/messages/1/reports', { reason: '' }, 400],
      [dave, 'POST', '/messages/999999/reports', { reason: 'spam' }, 404],
      [bob, 'POST', '/bans', { user_id: `nobody-${randomUUID()}` }, 400],
      [bob, 'POST', '/bans', { user_id: 7 }, 400],
      [bob, 'DELETE', `/bans/${dave.user.id}`, undefined, 404],
      [mallory, 'GET', '/moderation', undefined, 404],
      [mallory, 'GET', '/audit', undefined, 404],
    ];
    for (const [u, method, path, json, status] of bad) {
      const r = await raw(u, method, path, json);
      expect({ method, path, status: r.status }).toEqual({ method, path, status });
      expect(typeof r.body.error.code).toBe('string');
    }

    // Mute: sends refused with MUTED and retry_after, over REST and WebSocket, until unmuted.
    expect((await refusal(b.mute(id, carol.user.id, 60))).status).toBe(403); // carol outranks bob
    const muted = await b.mute(id, dave.user.id, 60);
    expect(Date.parse(muted.muted_until as string)).toBeGreaterThan(Date.now());
    const mutedSend = await send(dave, 'hello?');
    expect({ status: mutedSend.status, code: mutedSend.body.error.code }).toEqual({ status: 403, code: 'MUTED' });
    expect(mutedSend.body.error.retry_after).toBeGreaterThanOrEqual(1);
    expect(mutedSend.body.error.retry_after).toBeLessThanOrEqual(60);
    expect(Number(mutedSend.headers.get('retry-after'))).toBe(mutedSend.body.error.retry_after);
    expect((await d.moderationSettings(id)).me.muted_until).toBe(muted.muted_until);
    const daveWs = await makeWs(wsUrl, dave.accessToken);
    sockets.push(daveWs);
    const wsMuted = randomUUID();
    daveWs.send({ type: 'send', conversation_id: id, client_msg_id: wsMuted, body: { text: 'ws while muted' } });
    const mutedFrame = await daveWs.waitFor<ErrorFrame & { retry_after?: number }>((f) => f.type === 'error' && f.client_msg_id === wsMuted, 'MUTED frame');
    expect(mutedFrame.code).toBe('MUTED');
    expect(mutedFrame.retry_after).toBeGreaterThanOrEqual(1);
    expect((await b.unmute(id, dave.user.id)).muted_until).toBeNull();
    const daveFirst = await send(dave, 'unmuted', 'dave-first');
    expect(daveFirst.status).toBe(201);

    // Slow mode: one message per N seconds per member, moderators exempt, a repeat never refused.
    expect((await refusal(d.setModerationSettings(id, { slow_mode_seconds: 30 }))).status).toBe(403);
    expect(await b.setModerationSettings(id, { slow_mode_seconds: 30 })).toMatchObject({ slow_mode_seconds: 30, announcement: false });
    expect((await send(dave, 'first in slow mode')).status).toBe(201);
    const tooSoon = await send(dave, 'too soon');
    expect({ status: tooSoon.status, code: tooSoon.body.error.code }).toEqual({ status: 429, code: 'SLOW_MODE' });
    expect(tooSoon.body.error.retry_after).toBeGreaterThanOrEqual(1);
    expect(tooSoon.body.error.retry_after).toBeLessThanOrEqual(30);
    expect(Number(tooSoon.headers.get('retry-after'))).toBe(tooSoon.body.error.retry_after);
    const wsSlow = randomUUID();
    daveWs.send({ type: 'send', conversation_id: id, client_msg_id: wsSlow, body: { text: 'ws too soon' } });
    const slowFrame = await daveWs.waitFor<ErrorFrame & { retry_after?: number }>((f) => f.type === 'error' && f.client_msg_id === wsSlow, 'SLOW_MODE frame');
    expect({ code: slowFrame.code, ok: (slowFrame.retry_after ?? 0) >= 1 && (slowFrame.retry_after ?? 99) <= 30 }).toEqual({ code: 'SLOW_MODE', ok: true });
    const repeat = await send(dave, 'unmuted', 'dave-first');
    expect({ status: repeat.status, seq: (repeat.body as unknown as { message: WireMessage }).message.seq }).toEqual({ status: 200, seq: (daveFirst.body as unknown as { message: WireMessage }).message.seq });
    expect((await send(bob, 'moderators are exempt')).status).toBe(201);
    expect((await send(bob, 'twice')).status).toBe(201);
    await b.setModerationSettings(id, { slow_mode_seconds: 0 });
    expect((await send(dave, 'slow mode off')).status).toBe(201);

    // Announcements: only admins and the owner post.
    expect((await refusal(b.setModerationSettings(id, { announcement: true }))).status).toBe(403);
    expect((await c.setModerationSettings(id, { announcement: true })).announcement).toBe(true);
    const announced = await send(dave, 'may I?');
    expect({ status: announced.status, code: announced.body.error.code }).toEqual({ status: 403, code: 'ANNOUNCEMENT_ONLY' });
    expect((await send(bob, 'moderators do not post either')).body.error.code).toBe('ANNOUNCEMENT_ONLY');
    const announcement = await send(carol, 'an announcement');
    expect(announcement.status).toBe(201);
    const carolSeq = (announcement.body as unknown as { message: WireMessage }).message.seq;
    expect((await refusal(b.deleteMessage(id, carolSeq, randomUUID()))).status).toBe(403); // a moderator, below her
    await c.setModerationSettings(id, { announcement: false });

    // Reports: any member files one (once per message); moderators list and resolve them.
    const target = (await send(erin, 'something rude')).body as unknown as { message: WireMessage };
    const filed = await d.reportMessage(id, target.message.seq, 'rude');
    expect(filed).toMatchObject({ created: true, report: { seq: target.message.seq, reporter_id: dave.user.id, status: 'open', resolution: null } });
    expect(await d.reportMessage(id, target.message.seq, 'rude again')).toMatchObject({ created: false, report: { id: filed.report.id } });
    expect((await refusal(e.reports(id))).status).toBe(403);
    expect((await b.reports(id)).reports.map((r) => r.id)).toEqual([filed.report.id]);
    // A moderator deletes someone else's message (the lifecycle delete), then resolves the report.
    const del = await b.deleteMessage(id, target.message.seq, randomUUID());
    expect(del.message).toMatchObject({ kind: 'delete', target_seq: target.message.seq });
    expect(await b.resolveReport(id, filed.report.id, 'actioned')).toMatchObject({ status: 'resolved', resolution: 'actioned', resolved_by: bob.user.id });
    expect((await refusal(b.resolveReport(id, filed.report.id, 'dismissed'))).code).toBe('CONFLICT');
    expect((await b.reports(id)).reports).toEqual([]);
    expect((await b.reports(id, { status: 'all' })).reports.map((r) => r.status)).toEqual(['resolved']);

    // Kick: removed, may be added again.
    expect((await refusal(b.kick(id, carol.user.id))).status).toBe(403);
    await b.kick(id, erin.user.id);
    expect((await refusal(e.getConversation(id))).status).toBe(404);
    expect((await a.addMembers(id, [erin.user.id])).added).toEqual([erin.user.id]);

    // Ban: removed, cannot be added again until unbanned.
    const banned = await b.ban(id, erin.user.id, 'spam');
    expect(banned).toMatchObject({ created: true, ban: { user_id: erin.user.id, banned_by: bob.user.id, reason: 'spam' } });
    expect((await b.ban(id, erin.user.id)).created).toBe(false);
    expect((await refusal(e.getConversation(id))).status).toBe(404);
    const rejoin = await refusal(a.addMembers(id, [erin.user.id]));
    expect({ status: rejoin.status, code: rejoin.code }).toEqual({ status: 403, code: 'BANNED' });
    expect((await send(erin, 'back?')).status).toBe(404);
    expect((await b.bans(id)).bans.map((x) => x.user_id)).toEqual([erin.user.id]);
    expect((await refusal(d.bans(id))).status).toBe(403);
    await b.unban(id, erin.user.id);
    expect((await a.addMembers(id, [erin.user.id])).added).toEqual([erin.user.id]);

    // The audit log: every action, newest first, keyset-paged; moderators only.
    expect((await refusal(d.auditLog(id))).status).toBe(403);
    const actions: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const p = await b.auditLog(id, { limit: 3, cursor });
      expect(p.entries.length).toBeLessThanOrEqual(3);
      actions.push(...p.entries.map((x) => x.action));
      cursor = p.next_cursor;
      if (cursor === null) break;
    }
    expect(actions.reverse()).toEqual([
      'rank.changed', 'rank.changed', 'member.muted', 'member.unmuted', 'settings.changed', 'settings.changed', 'settings.changed', 'settings.changed',
      'message.deleted', 'report.resolved', 'member.kicked', 'member.banned', 'member.unbanned',
    ]);
    const newest = (await c.auditLog(id, { limit: 1 })).entries[0];
    expect(newest).toMatchObject({ action: 'member.unbanned', actor_id: bob.user.id, target_user_id: erin.user.id, conversation_id: id });

    // The last owner leaves: the longest-standing admin becomes owner (the group keeps an admin).
    await a.removeMember(id, alice.user.id);
    expect((await c.getConversation(id)).me).toMatchObject({ role: 'admin', rank: 'owner' });
    expect((await refusal(m.moderationSettings(id))).status).toBe(404);
  });
});
