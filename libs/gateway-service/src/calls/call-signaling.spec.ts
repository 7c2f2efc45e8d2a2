import { notFound } from '@parley/domain';
import { createLogger } from '@parley/observability';
import { CallRelayEffect, ConversationApi, ConversationEvent, EventLog, MemoryCallStore } from '@parley/ports';
import { ServerFrame } from '@parley/protocol';
import { CallSignaling, IN_CALL_TTL_MS } from './call-signaling';

/** In-process doubles: a conversation with members, an event log that records what is appended. */
function setup(members: Record<string, string[]>, ringTimeoutMs = 60_000, clock: () => number = Date.now) {
  const relayed: CallRelayEffect[] = [];
  const summaries: Array<{ sender: string; clientMsgId: string; text: string; outcome: string }> = [];
  const log = { append: async (_topic: string, _key: string, e: ConversationEvent) => void (e.type === 'call.relay' && relayed.push(...e.effects)) } as unknown as EventLog;
  const conversations = {
    isMember: async (user: string, id: string) => members[id]?.includes(user) ?? false,
    members: async (actor: string, id: string, limit: number) => {
      const list = members[id];
      if (!list || !list.includes(actor)) throw notFound('conversation not found');
      return { items: list.slice(0, limit).map((user_id) => ({ user_id, role: 'member', joined_at: '' })), next_cursor: list.length > limit ? 'more' : null };
    },
  } as unknown as ConversationApi;
  const local = new Set<string>(['sa', 'sb']);
  const calls = new CallSignaling(
    new MemoryCallStore(clock),
    conversations,
    log,
    async (sender, _conv, clientMsgId, text, call) => void summaries.push({ sender, clientMsgId, text, outcome: call.outcome }),
    createLogger('test', 'error', {}, () => undefined),
    (id) => local.has(id),
    { ringTimeoutMs, maxParticipants: 3, callTtlMs: 4 * 3600_000, iceRatePerSecond: 2 },
    clock,
  );
  const replies: ServerFrame[] = [];
  const reply = (f: ServerFrame) => void replies.push(f);
  return { calls, relayed, summaries, replies, reply };
}

const A = { user_id: 'a', socket_id: 'sa' };
const B = { user_id: 'b', socket_id: 'sb' };
const callIdOf = (relayed: CallRelayEffect[]) => relayed.find((e) => e.frame.type === 'call.ringing')!.frame.call_id;

describe('CallSignaling', () => {
  it('refuses non-members (NOT_FOUND, as for an unknown conversation) and conversations over the cap', async () => {
    const t = setup({ d: ['a', 'b'], big: ['a', 'b', 'c', 'd'] });
    await t.calls.handle({ user_id: 'x', socket_id: 'sx' }, { type: 'call.invite', conversation_id: 'd', media: 'audio' }, t.reply);
    await t.calls.handle(A, { type: 'call.invite', conversation_id: 'big', media: 'audio' }, t.reply);
    expect(t.replies).toEqual([
      expect.objectContaining({ type: 'error', code: 'NOT_FOUND', conversation_id: 'd' }),
      expect.objectContaining({ type: 'error', code: 'FORBIDDEN', conversation_id: 'big' }),
    ]);
    expect(t.relayed).toEqual([]);
  });

  it('rings out as missed after the ring timeout, storing one summary', async () => {
    const t = setup({ d: ['a', 'b'] }, 30);
    await t.calls.handle(A, { type: 'call.invite', conversation_id: 'd', media: 'video' }, t.reply);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.relayed.filter((e) => e.frame.type === 'call.ended').map((e) => e.frame.reason)).toEqual(['missed']);
    expect(t.summaries).toEqual([{ sender: 'a', clientMsgId: `call:${callIdOf(t.relayed)}`, text: 'Missed video call', outcome: 'missed' }]);
  });

  it('only a current member may answer: one who left the conversation since the invite cannot', async () => {
    const members = { d: ['a', 'b', 'c'] };
    const t = setup(members);
    await t.calls.handle(A, { type: 'call.invite', conversation_id: 'd', media: 'audio' }, t.reply);
    members.d = ['a', 'b'];
    await t.calls.handle({ user_id: 'c', socket_id: 'sc' }, { type: 'call.accept', call_id: callIdOf(t.relayed) }, t.reply);
    expect(t.replies).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
    expect(t.relayed.filter((e) => e.frame.type === 'call.joined')).toEqual([]);
    t.calls.close();
  });

  it('a second caller finds the callee busy; a closed socket hangs up its call and frees the callee', async () => {
    const t = setup({ d: ['a', 'b'], e: ['c', 'b'] });
    await t.calls.handle(A, { type: 'call.invite', conversation_id: 'd', media: 'audio' }, t.reply);
    const id = callIdOf(t.relayed);
    await t.calls.handle(B, { type: 'call.accept', call_id: id }, t.reply);
    await t.calls.handle({ user_id: 'c', socket_id: 'sc' }, { type: 'call.invite', conversation_id: 'e', media: 'audio' }, t.reply);
    expect(t.relayed.filter((e) => e.frame.type === 'call.ended').map((e) => e.frame.reason)).toEqual(['busy']);
    t.calls.socketClosed('sa', 'a');
    await new Promise((r) => setTimeout(r, 20));
    expect(t.relayed.filter((e) => e.frame.type === 'call.ended' && e.frame.call_id === id).map((e) => e.frame.reason)).toEqual(['completed']);
    await t.calls.handle({ user_id: 'c', socket_id: 'sc' }, { type: 'call.invite', conversation_id: 'e', media: 'audio' }, t.reply);
    expect(t.relayed.filter((e) => e.frame.type === 'call.incoming')).toHaveLength(2);
  });

  it('a participant whose gateway stops refreshing the in-call entry is free again after IN_CALL_TTL_MS', async () => {
    let now = Date.now();
    const t = setup({ d: ['a', 'b'], e: ['c', 'b'] }, 60_000, () => now);
    await t.calls.handle(A, { type: 'call.invite', conversation_id: 'd', media: 'audio' }, t.reply);
    await t.calls.handle(B, { type: 'call.accept', call_id: callIdOf(t.relayed) }, t.reply);
    now += IN_CALL_TTL_MS - 1000;
    await t.calls.handle({ user_id: 'c', socket_id: 'sc' }, { type: 'call.invite', conversation_id: 'e', media: 'audio' }, t.reply);
    expect(t.relayed.filter((e) => e.frame.type === 'call.ended').map((e) => e.frame.reason)).toEqual(['busy']);
    now += 2000; // no refresh came (a crashed gateway): b is free
    await t.calls.handle({ user_id: 'c', socket_id: 'sc2' }, { type: 'call.invite', conversation_id: 'e', media: 'audio' }, t.reply);
    expect(t.relayed.filter((e) => e.frame.type === 'call.incoming')).toHaveLength(2);
    t.calls.close();
  });

  it('relays SDP and ICE to the answering socket only, and limits ICE candidates per socket', async () => {
    const t = setup({ d: ['a', 'b'] });
    await t.calls.handle(A, { type: 'call.invite', conversation_id: 'd', media: 'audio' }, t.reply);
    const id = callIdOf(t.relayed);
    await t.calls.handle(A, { type: 'call.sdp', call_id: id, to_user_id: 'b', sdp_type: 'offer', sdp: 'v=0' }, t.reply);
    expect(t.replies).toEqual([expect.objectContaining({ code: 'NOT_FOUND', call_id: id })]); // b has not answered yet
    await t.calls.handle(B, { type: 'call.accept', call_id: id }, t.reply);
    await t.calls.handle(A, { type: 'call.sdp', call_id: id, to_user_id: 'b', sdp_type: 'offer', sdp: 'v=0' }, t.reply);
    expect(t.relayed.find((e) => e.frame.type === 'call.sdp')).toEqual({ to: [{ user_id: 'b', socket_id: 'sb' }], frame: { type: 'call.sdp', call_id: id, from_user_id: 'a', sdp_type: 'offer', sdp: 'v=0' } });
    for (let i = 0; i < 6; i++) await t.calls.handle(A, { type: 'call.ice', call_id: id, to_user_id: 'b', candidate: { candidate: `c${i}` } }, t.reply);
    expect(t.relayed.filter((e) => e.frame.type === 'call.ice')).toHaveLength(4);
    expect(t.replies.filter((r) => r.type === 'error' && r.code === 'RATE_LIMITED')).toHaveLength(2);
  });
});
