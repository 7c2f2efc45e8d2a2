import type { Frame, HistoryPage, WireConversation } from '../support/contract';
import { restOk } from '../support/rest';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, createGroup, makeWs, registerUser, type TestUser } from '../support/users';
import { eventually } from '../support/wait';
import type { TestSocket } from '../support/ws-client';

/**
 * WebRTC call signaling over the WebSocket (docs/api/v1.md, Calls). In the mesh the caller is on
 * the first gateway and the callee on the second, so every ring, relay and end crosses fanout.
 */
const RING_TIMEOUT_MS = 2500;
const parley = useParley({ env: { PARLEY_MESH_GATEWAYS: '2', PARLEY_CALL_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS) } });

const OFFER = 'v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n';
const ANSWER = OFFER.replace('4611', '4612');
const is = (type: string, callId?: string) => (f: Frame) => f.type === type && (callId === undefined || f.call_id === callId);

describe('calls', () => {
  const sockets: TestSocket[] = [];
  afterEach(() => closeAll(sockets.splice(0)));

  /** The caller's socket on the first gateway, the callee's on the last (the second one in the mesh). */
  async function pair(prefix: string): Promise<{ a: TestUser; b: TestUser; conv: WireConversation; aWs: TestSocket; bWs: TestSocket }> {
    const gateways = parley.current.gatewayUrls();
    const { baseUrl } = gateways[0];
    const a = await registerUser(baseUrl, `${prefix}a`);
    const b = await registerUser(baseUrl, `${prefix}b`);
    const conv = await createDirect(baseUrl, a.accessToken, b.user.id);
    const aWs = await makeWs(gateways[0].wsUrl, a.accessToken);
    const bWs = await makeWs(gateways[gateways.length - 1].wsUrl, b.accessToken);
    sockets.push(aWs, bWs);
    return { a, b, conv, aWs, bWs };
  }

  async function invite(ws: TestSocket, conversationId: string, media: 'audio' | 'video' = 'audio'): Promise<string> {
    const from = ws.frames.length;
    ws.send({ type: 'call.invite', conversation_id: conversationId, media });
    const ringing = await ws.waitFor((f) => f.type === 'call.ringing' && f.conversation_id === conversationId, 'call.ringing', undefined, from);
    return ringing.call_id as string;
  }

  async function summaryOf(token: string, conversationId: string, callId: string): Promise<Record<string, unknown>> {
    const { baseUrl } = parley.current;
    let found: Record<string, unknown> | undefined;
    await eventually('the call summary message', async () => {
      const page = await restOk<HistoryPage>(baseUrl, 'GET', `/v1/conversations/${conversationId}/messages`, 200, { token });
      found = (page.messages as unknown as Array<Record<string, unknown>>).find((m) => (m.call as { call_id?: string } | undefined)?.call_id === callId);
      expect(found).toBeDefined();
    });
    return found as Record<string, unknown>;
  }

  e2eTest('invite rings every callee socket; one accepts, the other stops; SDP and ICE reach only the answering socket; hang-up leaves a summary', async () => {
    const { a, b, conv, aWs, bWs } = await pair('call');
    const gateways = parley.current.gatewayUrls();
    const bPhone = await makeWs(gateways[0].wsUrl, b.accessToken);
    sockets.push(bPhone);

    const callId = await invite(aWs, conv.id, 'video');
    const ringing = aWs.frames.find(is('call.ringing', callId));
    expect(ringing).toMatchObject({ media: 'video', callee_ids: [b.user.id], busy_ids: [] });
    for (const ws of [bWs, bPhone]) expect(await ws.waitFor(is('call.incoming', callId), 'call.incoming')).toMatchObject({ conversation_id: conv.id, caller_id: a.user.id, media: 'video' });

    bWs.send({ type: 'call.accept', call_id: callId });
    expect(await bPhone.waitFor(is('call.dismissed', callId), 'dismissed')).toMatchObject({ reason: 'answered_elsewhere' });
    for (const ws of [aWs, bWs]) expect(await ws.waitFor(is('call.joined', callId), 'call.joined')).toMatchObject({ user_id: b.user.id, joined_ids: expect.arrayContaining([a.user.id, b.user.id]) });

    aWs.send({ type: 'call.sdp', call_id: callId, to_user_id: b.user.id, sdp_type: 'offer', sdp: OFFER });
    expect(await bWs.waitFor(is('call.sdp', callId), 'offer')).toMatchObject({ from_user_id: a.user.id, sdp_type: 'offer', sdp: OFFER });
    bWs.send({ type: 'call.sdp', call_id: callId, to_user_id: a.user.id, sdp_type: 'answer', sdp: ANSWER });
    expect(await aWs.waitFor(is('call.sdp', callId), 'answer')).toMatchObject({ from_user_id: b.user.id, sdp_type: 'answer', sdp: ANSWER });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdp_mid: '0', sdp_m_line_index: 0 };
    aWs.send({ type: 'call.ice', call_id: callId, to_user_id: b.user.id, candidate });
    expect(await bWs.waitFor(is('call.ice', callId), 'ice')).toMatchObject({ from_user_id: a.user.id, candidate });

    // Only a joined participant's answering socket relays: the dismissed device cannot.
    bPhone.send({ type: 'call.sdp', call_id: callId, to_user_id: a.user.id, sdp_type: 'answer', sdp: ANSWER });
    expect(await bPhone.waitFor((f) => f.type === 'error' && f.call_id === callId, 'error')).toMatchObject({ code: 'NOT_FOUND' });

    await new Promise((r) => setTimeout(r, 1100));
    aWs.send({ type: 'call.hangup', call_id: callId });
    for (const ws of [aWs, bWs]) expect(await ws.waitFor(is('call.ended', callId), 'call.ended')).toMatchObject({ reason: 'completed', conversation_id: conv.id });
    const ended = bWs.frames.find(is('call.ended', callId)) as Frame;
    expect(ended.duration_ms as number).toBeGreaterThanOrEqual(1000);
    // The other device got nothing of the media setup.
    expect(bPhone.frames.filter((f) => f.type === 'call.sdp' || f.type === 'call.ice')).toEqual([]);

    const summary = await summaryOf(b.accessToken, conv.id, callId);
    expect(summary).toMatchObject({ sender_id: a.user.id, client_msg_id: `call:${callId}`, call: { call_id: callId, media: 'video', outcome: 'completed' } });
    expect((summary.call as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(1000);
    expect(JSON.stringify(summary)).not.toContain('opus');
    // It arrives as an ordinary message frame too.
    await bWs.waitFor((f) => f.type === 'message' && (f.call as { call_id?: string } | undefined)?.call_id === callId, 'summary message frame');
  });

  e2eTest('a rejected call ends for the caller and is summarized as rejected', async () => {
    const { a, conv, aWs, bWs, b } = await pair('rej');
    const callId = await invite(aWs, conv.id);
    await bWs.waitFor(is('call.incoming', callId), 'incoming');
    bWs.send({ type: 'call.reject', call_id: callId });
    expect(await aWs.waitFor(is('call.declined', callId), 'declined')).toMatchObject({ user_id: b.user.id, reason: 'rejected' });
    expect(await aWs.waitFor(is('call.ended', callId), 'ended')).toMatchObject({ reason: 'rejected', duration_ms: 0 });
    expect(await summaryOf(a.accessToken, conv.id, callId)).toMatchObject({ call: { outcome: 'rejected' } });
  });

  e2eTest('a callee already in a call is busy; the caller can cancel a ringing call', async () => {
    const { a, b, conv, aWs, bWs } = await pair('busy');
    const callId = await invite(aWs, conv.id);
    await bWs.waitFor(is('call.incoming', callId), 'incoming');
    bWs.send({ type: 'call.accept', call_id: callId });
    await aWs.waitFor(is('call.joined', callId), 'joined');

    const c = await registerUser(parley.current.baseUrl, 'busyc');
    const conv2 = await createDirect(parley.current.baseUrl, c.accessToken, b.user.id);
    const cWs = await makeWs(parley.current.wsUrl, c.accessToken);
    sockets.push(cWs);
    const second = await invite(cWs, conv2.id);
    expect(cWs.frames.find(is('call.ringing', second))).toMatchObject({ callee_ids: [], busy_ids: [b.user.id] });
    expect(await cWs.waitFor(is('call.ended', second), 'busy end')).toMatchObject({ reason: 'busy' });
    expect(bWs.frames.filter(is('call.incoming', second))).toEqual([]);

    aWs.send({ type: 'call.hangup', call_id: callId });
    await bWs.waitFor(is('call.ended', callId), 'ended');
    // Free again: C's new call rings B, and C cancels it.
    const third = await invite(cWs, conv2.id);
    await bWs.waitFor(is('call.incoming', third), 'incoming after the first call');
    cWs.send({ type: 'call.cancel', call_id: third });
    expect(await bWs.waitFor(is('call.ended', third), 'cancelled')).toMatchObject({ reason: 'cancelled' });
    expect(await summaryOf(a.accessToken, conv.id, callId)).toMatchObject({ call: { outcome: 'completed' } });
  });

  e2eTest('an unanswered call rings out as missed', async () => {
    const { a, conv, aWs, bWs } = await pair('miss');
    const callId = await invite(aWs, conv.id);
    await bWs.waitFor(is('call.incoming', callId), 'incoming');
    for (const ws of [aWs, bWs]) expect(await ws.waitFor(is('call.ended', callId), 'missed', RING_TIMEOUT_MS + 15_000)).toMatchObject({ reason: 'missed' });
    expect(await summaryOf(a.accessToken, conv.id, callId)).toMatchObject({ sender_id: a.user.id, body: { text: 'Missed audio call' }, call: { outcome: 'missed', duration_ms: 0 } });
    // Too late to answer.
    bWs.send({ type: 'call.accept', call_id: callId });
    expect(await bWs.waitFor((f) => f.type === 'error' && f.call_id === callId, 'late accept')).toMatchObject({ code: 'NOT_FOUND' });
  });

  e2eTest('non-members cannot call or join; oversize SDP and bad frames are refused; groups ring every member', async () => {
    const { a, b, conv, aWs, bWs } = await pair('sec');
    const stranger = await registerUser(parley.current.baseUrl, 'secx');
    const sWs = await makeWs(parley.current.wsUrl, stranger.accessToken);
    sockets.push(sWs);
    sWs.send({ type: 'call.invite', conversation_id: conv.id, media: 'audio' });
    expect(await sWs.waitFor((f) => f.type === 'error' && f.conversation_id === conv.id, 'refused invite')).toMatchObject({ code: 'NOT_FOUND' });

    const callId = await invite(aWs, conv.id);
    await bWs.waitFor(is('call.incoming', callId), 'incoming');
    sWs.send({ type: 'call.accept', call_id: callId });
    expect(await sWs.waitFor((f) => f.type === 'error' && f.call_id === callId, 'refused accept')).toMatchObject({ code: 'NOT_FOUND' });
    bWs.send({ type: 'call.accept', call_id: callId });
    await aWs.waitFor(is('call.joined', callId), 'joined');
    sWs.send({ type: 'call.sdp', call_id: callId, to_user_id: b.user.id, sdp_type: 'offer', sdp: OFFER });
    expect(await sWs.waitFor((f) => f.type === 'error' && f.call_id === callId && f.code === 'NOT_FOUND', 'refused relay')).toBeDefined();

    const from = aWs.frames.length;
    aWs.send({ type: 'call.sdp', call_id: callId, to_user_id: b.user.id, sdp_type: 'offer', sdp: 'x'.repeat(16_001) });
    expect(await aWs.waitFor((f) => f.type === 'error', 'oversize sdp', undefined, from)).toMatchObject({ code: 'VALIDATION_FAILED' });
    aWs.send({ type: 'call.invite', conversation_id: conv.id, media: 'hologram' });
    expect(await aWs.waitFor((f) => f.type === 'error' && f.code === 'VALIDATION_FAILED', 'bad media', undefined, from + 1)).toBeDefined();
    aWs.send({ type: 'call.hangup', call_id: callId });
    await bWs.waitFor(is('call.ended', callId), 'ended');
    expect(bWs.frames.filter((f) => f.type === 'call.sdp')).toEqual([]);

    // A group call rings each other member; the first to answer joins.
    const c = await registerUser(parley.current.baseUrl, 'secc');
    const group = await createGroup(parley.current.baseUrl, a.accessToken, 'team', [b.user.id, c.user.id]);
    const cWs = await makeWs(parley.current.gatewayUrls()[parley.current.gatewayUrls().length - 1].wsUrl, c.accessToken);
    sockets.push(cWs);
    const groupCall = await invite(aWs, group.id);
    expect(aWs.frames.find(is('call.ringing', groupCall))).toMatchObject({ callee_ids: expect.arrayContaining([b.user.id, c.user.id]) });
    await bWs.waitFor(is('call.incoming', groupCall), 'b rings');
    await cWs.waitFor(is('call.incoming', groupCall), 'c rings');
    cWs.send({ type: 'call.accept', call_id: groupCall });
    await aWs.waitFor(is('call.joined', groupCall), 'c joined');
    bWs.send({ type: 'call.reject', call_id: groupCall });
    expect(await cWs.waitFor(is('call.declined', groupCall), 'b declined')).toMatchObject({ user_id: b.user.id });
    cWs.send({ type: 'call.hangup', call_id: groupCall });
    expect(await aWs.waitFor(is('call.ended', groupCall), 'group ended')).toMatchObject({ reason: 'completed' });
  });
});
