import { CallRecord } from '@parley/ports';
import { applyCallAction, CallEffect, isLiveFor, startCall, summaryText } from './call-machine';

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const start = (callees = [{ user_id: 'b', busy: false }]) =>
  startCall({ id: 'c1', conversation_id: 'conv', caller_id: 'a', caller_socket: 'sa', media: 'audio', callees, now: T0, ringTimeoutMs: 30_000 });
const framesOf = (effects: CallEffect[], type: string) => effects.filter((e) => e.frame.type === type);

describe('call state machine', () => {
  it('a new call rings every callee not busy, on all their sockets, and answers the caller', () => {
    const s = start([{ user_id: 'b', busy: false }, { user_id: 'c', busy: true }]);
    expect(s.call).toMatchObject({ state: 'ringing', version: 1, ring_deadline: T0 + 30_000 });
    expect(framesOf(s.effects, 'call.ringing')[0]).toMatchObject({ to: [{ user_id: 'a', socket_id: 'sa' }], frame: { callee_ids: ['b'], busy_ids: ['c'] } });
    expect(framesOf(s.effects, 'call.incoming')[0].to).toEqual([{ user_id: 'b' }]);
    expect(isLiveFor(s.call, 'b', T0)).toBe(true);
    expect(isLiveFor(s.call, 'c', T0)).toBe(false);
  });

  it('a call to callees who are all busy ends at once as busy, with a summary', () => {
    const s = start([{ user_id: 'b', busy: true }]);
    expect(s.call.state).toBe('ended');
    expect(framesOf(s.effects, 'call.ended')[0]).toMatchObject({ to: [{ user_id: 'a', socket_id: 'sa' }], frame: { reason: 'busy' } });
    expect(s.summary).toMatchObject({ outcome: 'busy', duration_ms: 0 });
  });

  it('accept joins the answering socket, dismisses the callee’s other sockets, and hang-up ends with the duration', () => {
    const s = start();
    const acc = applyCallAction(s.call, { kind: 'accept', user_id: 'b', socket_id: 'sb1' }, T0 + 2000);
    expect(acc.error).toBeUndefined();
    expect(acc.call).toMatchObject({ state: 'active', version: 2, answered_at: new Date(T0 + 2000).toISOString() });
    expect(framesOf(acc.effects, 'call.joined')[0].to).toEqual([{ user_id: 'a', socket_id: 'sa' }, { user_id: 'b', socket_id: 'sb1' }]);
    expect(framesOf(acc.effects, 'call.dismissed')[0]).toMatchObject({ to: [{ user_id: 'b', except_socket_id: 'sb1' }], frame: { reason: 'answered_elsewhere' } });
    expect(applyCallAction(acc.call, { kind: 'accept', user_id: 'b', socket_id: 'sb2' }, T0 + 2500).error?.code).toBe('CONFLICT');

    const end = applyCallAction(acc.call, { kind: 'hangup', user_id: 'a', socket_id: 'sa' }, T0 + 65_000);
    expect(end.call).toMatchObject({ state: 'ended', outcome: 'completed', version: 3 });
    expect(framesOf(end.effects, 'call.ended')[0].frame).toMatchObject({ reason: 'completed', duration_ms: 63_000 });
    expect(end.summary).toEqual({ call_id: 'c1', media: 'audio', outcome: 'completed', started_at: new Date(T0).toISOString(), duration_ms: 63_000 });
    expect(summaryText(end.summary!)).toBe('Audio call · 1:03');
    expect(applyCallAction(end.call, { kind: 'hangup', user_id: 'b', socket_id: 'sb1' }, T0 + 66_000).error?.code).toBe('NOT_FOUND');
  });

  it('reject by the only callee ends the call as rejected; the caller learns who declined', () => {
    const r = applyCallAction(start().call, { kind: 'reject', user_id: 'b', socket_id: 'sb1' }, T0 + 1000);
    expect(r.call).toMatchObject({ state: 'ended', outcome: 'rejected' });
    expect(framesOf(r.effects, 'call.declined')[0]).toMatchObject({ to: [{ user_id: 'a', socket_id: 'sa' }], frame: { user_id: 'b', reason: 'rejected' } });
    expect(framesOf(r.effects, 'call.dismissed')[0].frame).toMatchObject({ reason: 'rejected_elsewhere' });
    expect(r.summary?.outcome).toBe('rejected');
  });

  it('only the caller cancels, and only while ringing', () => {
    const s = start();
    expect(applyCallAction(s.call, { kind: 'cancel', user_id: 'b', socket_id: 'sb' }, T0).error?.code).toBe('FORBIDDEN');
    const c = applyCallAction(s.call, { kind: 'cancel', user_id: 'a', socket_id: 'sa' }, T0 + 500);
    expect(c.call.outcome).toBe('cancelled');
    expect(framesOf(c.effects, 'call.ended')[0].to).toEqual(expect.arrayContaining([{ user_id: 'b' }]));
    const active = applyCallAction(s.call, { kind: 'accept', user_id: 'b', socket_id: 'sb' }, T0).call;
    expect(applyCallAction(active, { kind: 'cancel', user_id: 'a', socket_id: 'sa' }, T0).error?.code).toBe('CONFLICT');
  });

  it('a ring past its deadline is missed: by the timer, or lazily on the next action', () => {
    const s = start();
    expect(applyCallAction(s.call, { kind: 'timeout' }, T0 + 29_999).call).toBe(s.call);
    const t = applyCallAction(s.call, { kind: 'timeout' }, T0 + 30_000);
    expect(t.call).toMatchObject({ state: 'ended', outcome: 'missed' });
    expect(framesOf(t.effects, 'call.ended')[0].to).toEqual(expect.arrayContaining([{ user_id: 'a', socket_id: 'sa' }, { user_id: 'b' }]));
    const late = applyCallAction(s.call, { kind: 'accept', user_id: 'b', socket_id: 'sb' }, T0 + 31_000);
    expect(late.error?.code).toBe('NOT_FOUND');
    expect(late.call).toMatchObject({ state: 'ended', outcome: 'missed', version: 2 });
    expect(late.summary?.outcome).toBe('missed');
  });

  it('a group call goes on while two remain; ringing members who never answer are told they missed it', () => {
    const s = start([{ user_id: 'b', busy: false }, { user_id: 'c', busy: false }, { user_id: 'd', busy: false }]);
    let call: CallRecord = applyCallAction(s.call, { kind: 'accept', user_id: 'b', socket_id: 'sb' }, T0 + 1000).call;
    call = applyCallAction(call, { kind: 'accept', user_id: 'c', socket_id: 'sc' }, T0 + 2000).call;
    const out = applyCallAction(call, { kind: 'timeout' }, T0 + 30_000);
    expect(out.call.state).toBe('active');
    expect(out.call.participants.find((p) => p.user_id === 'd')?.state).toBe('missed');
    expect(framesOf(out.effects, 'call.declined')[0].frame).toMatchObject({ user_id: 'd', reason: 'missed' });
    const left = applyCallAction(out.call, { kind: 'hangup', user_id: 'a', socket_id: 'sa' }, T0 + 40_000);
    expect(left.call.state).toBe('active');
    expect(framesOf(left.effects, 'call.left')[0].frame).toMatchObject({ user_id: 'a' });
    const last = applyCallAction(left.call, { kind: 'hangup', user_id: 'b', socket_id: 'sb' }, T0 + 50_000);
    expect(last.call).toMatchObject({ state: 'ended', outcome: 'completed' });
    expect(framesOf(last.effects, 'call.ended')[0].to).toEqual(expect.arrayContaining([{ user_id: 'c', socket_id: 'sc' }]));
  });
});
