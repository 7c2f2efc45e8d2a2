import { CallOutcome, CallParticipant, CallRecord } from '@parley/ports';
import { CallServerFrame, CallSummary } from '@parley/protocol';

/** Who a frame goes to: one socket, or every socket of a user (but one). */
export interface CallTarget {
  user_id: string;
  socket_id?: string;
  except_socket_id?: string;
}

export interface CallEffect {
  to: CallTarget[];
  frame: CallServerFrame;
}

export type CallAction =
  | { kind: 'accept'; user_id: string; socket_id: string }
  | { kind: 'reject'; user_id: string; socket_id: string }
  | { kind: 'cancel'; user_id: string; socket_id: string }
  | { kind: 'hangup'; user_id: string; socket_id: string }
  | { kind: 'timeout' };

export interface CallStep {
  call: CallRecord;
  effects: CallEffect[];
  /** Set when this step ended the call: the summary message to store. */
  summary: CallSummary | null;
  /** The action was refused (the call may still have changed: a lapsed ring is applied first). */
  error?: { code: 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN'; message: string };
}

export interface NewCall {
  id: string;
  conversation_id: string;
  caller_id: string;
  caller_socket: string;
  media: CallRecord['media'];
  /** The other members, each with whether they are already in a call. */
  callees: Array<{ user_id: string; busy: boolean }>;
  now: number;
  ringTimeoutMs: number;
}

/** A call is live for a user while the user rings or is in it. */
export const isLiveFor = (call: CallRecord, userId: string, now: number): boolean => {
  if (call.state === 'ended') return false;
  const p = call.participants.find((x) => x.user_id === userId);
  if (!p) return false;
  if (p.state === 'joined') return true;
  return p.state === 'invited' && now < call.ring_deadline;
};

const iso = (ms: number) => new Date(ms).toISOString();
const joined = (c: CallRecord) => c.participants.filter((p) => p.state === 'joined');
const joinedTargets = (c: CallRecord): CallTarget[] => joined(c).map((p) => ({ user_id: p.user_id, socket_id: p.socket_id ?? undefined }));

/**
 * The call state machine, pure: each step takes a record and gives the next one (version + 1)
 * with the frames to send and, when the call ends, its summary. Rules:
 * - a call rings its callees until the first accept (then it is active) or the ring deadline;
 * - every socket of a callee rings; the socket that accepts is the one relays go to, the user's
 *   other sockets are dismissed;
 * - a ringing call ends when the caller cancels or hangs up (cancelled), when every callee
 *   rejected (rejected), was busy (busy) or let it ring out (missed);
 * - an active call ends when fewer than two participants remain (completed).
 */
export function startCall(input: NewCall): CallStep {
  const participants: CallParticipant[] = [
    { user_id: input.caller_id, state: 'joined', socket_id: input.caller_socket },
    ...input.callees.map((c): CallParticipant => ({ user_id: c.user_id, state: c.busy ? 'busy' : 'invited', socket_id: null })),
  ];
  const call: CallRecord = {
    id: input.id,
    conversation_id: input.conversation_id,
    caller_id: input.caller_id,
    media: input.media,
    state: 'ringing',
    created_at: iso(input.now),
    ring_deadline: input.now + input.ringTimeoutMs,
    answered_at: null,
    ended_at: null,
    outcome: null,
    participants,
    version: 1,
  };
  const ringing = input.callees.filter((c) => !c.busy).map((c) => c.user_id);
  const effects: CallEffect[] = [
    {
      to: [{ user_id: input.caller_id, socket_id: input.caller_socket }],
      frame: {
        type: 'call.ringing',
        call_id: call.id,
        conversation_id: call.conversation_id,
        media: call.media,
        callee_ids: ringing,
        busy_ids: input.callees.filter((c) => c.busy).map((c) => c.user_id),
      },
    },
  ];
  if (ringing.length === 0) return end(call, 'busy', input.now, effects);
  effects.push({
    to: ringing.map((user_id) => ({ user_id })),
    frame: { type: 'call.incoming', call_id: call.id, conversation_id: call.conversation_id, media: call.media, caller_id: call.caller_id },
  });
  return { call, effects, summary: null };
}

/** One action on a live call. A ring past its deadline lapses first. */
export function applyCallAction(current: CallRecord, action: CallAction, now: number): CallStep {
  if (current.state === 'ended') return refuse(current, 'NOT_FOUND', 'the call is over');
  let step: CallStep = { call: current, effects: [], summary: null };
  if (action.kind !== 'timeout' && now >= current.ring_deadline && current.participants.some((p) => p.state === 'invited')) {
    step = ringOut(current, now);
    if (step.call.state === 'ended') return { ...step, call: { ...step.call, version: current.version + 1 }, error: { code: 'NOT_FOUND', message: 'the call is over' } };
  }
  const next = apply(step.call, action, now);
  const changed = next.call !== step.call || step.call !== current;
  return {
    call: changed ? { ...next.call, version: current.version + 1 } : current,
    effects: [...step.effects, ...next.effects],
    summary: next.summary ?? step.summary,
    ...(next.error ? { error: next.error } : {}),
  };
}

function apply(c: CallRecord, a: CallAction, now: number): CallStep {
  if (a.kind === 'timeout') return c.participants.some((p) => p.state === 'invited') && now >= c.ring_deadline ? ringOut(c, now) : unchanged(c);
  const me = c.participants.find((p) => p.user_id === a.user_id);
  if (!me) return refuse(c, 'NOT_FOUND', 'call not found');
  switch (a.kind) {
    case 'accept': {
      if (me.state === 'joined') return refuse(c, 'CONFLICT', 'already answered');
      if (me.state !== 'invited') return refuse(c, 'NOT_FOUND', 'the call is no longer ringing for you');
      const call = withParticipant(c, { user_id: me.user_id, state: 'joined', socket_id: a.socket_id });
      const active = { ...call, state: 'active' as const, answered_at: c.answered_at ?? iso(now) };
      const joinedIds = joined(active).map((p) => p.user_id);
      return {
        call: active,
        summary: null,
        effects: [
          { to: joinedTargets(active), frame: { type: 'call.joined', call_id: c.id, conversation_id: c.conversation_id, user_id: me.user_id, joined_ids: joinedIds } },
          { to: [{ user_id: me.user_id, except_socket_id: a.socket_id }], frame: { type: 'call.dismissed', call_id: c.id, reason: 'answered_elsewhere' } },
        ],
      };
    }
    case 'reject': {
      if (me.state !== 'invited') return refuse(c, 'NOT_FOUND', 'the call is no longer ringing for you');
      const call = withParticipant(c, { ...me, state: 'declined' });
      const effects: CallEffect[] = [
        { to: [{ user_id: me.user_id, except_socket_id: a.socket_id }], frame: { type: 'call.dismissed', call_id: c.id, reason: 'rejected_elsewhere' } },
        { to: joinedTargets(call), frame: { type: 'call.declined', call_id: c.id, user_id: me.user_id, reason: 'rejected' } },
      ];
      return settle(call, now, effects, [{ user_id: me.user_id, socket_id: a.socket_id }]);
    }
    case 'cancel':
      if (me.user_id !== c.caller_id) return refuse(c, 'FORBIDDEN', 'only the caller cancels a call');
      if (c.state !== 'ringing') return refuse(c, 'CONFLICT', 'the call was answered: hang up instead');
      return end(withParticipant(c, { ...me, state: 'left' }), 'cancelled', now, [], [{ user_id: me.user_id, socket_id: a.socket_id }]);
    case 'hangup': {
      if (me.state !== 'joined') return refuse(c, 'NOT_FOUND', 'you are not in this call');
      const call = withParticipant(c, { ...me, state: 'left' });
      if (c.state === 'ringing') return end(call, 'cancelled', now, [], [{ user_id: me.user_id, socket_id: a.socket_id }]);
      const leaver = { user_id: me.user_id, socket_id: a.socket_id };
      if (joined(call).length >= 2) {
        return { call, summary: null, effects: [{ to: [...joinedTargets(call), leaver], frame: { type: 'call.left', call_id: c.id, user_id: me.user_id } }] };
      }
      return end(call, 'completed', now, [], [leaver]);
    }
  }
}

/** Callees still ringing at the deadline missed the call; a call nobody answered ends missed. */
function ringOut(c: CallRecord, now: number): CallStep {
  const missed = c.participants.filter((p) => p.state === 'invited');
  const call: CallRecord = { ...c, participants: c.participants.map((p) => (p.state === 'invited' ? { ...p, state: 'missed' } : p)) };
  if (c.state === 'ringing') return end(call, 'missed', now, [], [], missed.map((p) => p.user_id));
  const effects: CallEffect[] = [
    { to: missed.map((p) => ({ user_id: p.user_id })), frame: endedFrame(call, 'missed', 0) },
    ...missed.map((p): CallEffect => ({ to: joinedTargets(call), frame: { type: 'call.declined', call_id: c.id, user_id: p.user_id, reason: 'missed' } })),
  ];
  return { call, effects, summary: null };
}

/** After a callee dropped out: end a ringing call nobody can answer any more, or an active one left alone. */
function settle(call: CallRecord, now: number, effects: CallEffect[], also: CallTarget[]): CallStep {
  const stillRinging = call.participants.some((p) => p.state === 'invited');
  if (call.state === 'ringing' && !stillRinging) {
    const busyOnly = call.participants.every((p) => p.user_id === call.caller_id || p.state === 'busy');
    return end(call, busyOnly ? 'busy' : 'rejected', now, effects, also);
  }
  if (call.state === 'active' && joined(call).length < 2 && !stillRinging) return end(call, 'completed', now, effects, also);
  return { call, effects, summary: null };
}

function end(c: CallRecord, outcome: CallOutcome, now: number, effects: CallEffect[], also: CallTarget[] = [], ringing: string[] = []): CallStep {
  const duration = c.answered_at ? Math.max(0, now - Date.parse(c.answered_at)) : 0;
  const stillInvited = c.participants.filter((p) => p.state === 'invited').map((p) => p.user_id);
  const call: CallRecord = {
    ...c,
    state: 'ended',
    ended_at: iso(now),
    outcome,
    participants: c.participants.map((p) => (p.state === 'invited' ? { ...p, state: 'missed' } : p)),
  };
  const to: CallTarget[] = [...joinedTargets(c), ...also, ...[...stillInvited, ...ringing].map((user_id) => ({ user_id }))];
  return {
    call,
    effects: [...effects, { to, frame: endedFrame(c, outcome, duration) }],
    summary: { call_id: c.id, media: c.media, outcome, started_at: c.created_at, duration_ms: duration },
  };
}

const endedFrame = (c: CallRecord, reason: CallOutcome, duration: number): CallServerFrame => ({
  type: 'call.ended',
  call_id: c.id,
  conversation_id: c.conversation_id,
  reason,
  duration_ms: duration,
});

function withParticipant(c: CallRecord, p: CallParticipant): CallRecord {
  return { ...c, participants: c.participants.map((x) => (x.user_id === p.user_id ? p : x)) };
}

const unchanged = (call: CallRecord): CallStep => ({ call, effects: [], summary: null });

function refuse(call: CallRecord, code: 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN', message: string): CallStep {
  return { call, effects: [], summary: null, error: { code, message } };
}

/** The text of a call's summary message (the structured summary rides on `message.call`). */
export function summaryText(s: CallSummary): string {
  const kind = s.media === 'video' ? 'Video call' : 'Audio call';
  switch (s.outcome) {
    case 'completed': {
      const secs = Math.round(s.duration_ms / 1000);
      return `${kind} · ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
    }
    case 'missed':
      return `Missed ${kind.toLowerCase()}`;
    case 'rejected':
      return `${kind} declined`;
    case 'cancelled':
      return `${kind} cancelled`;
    case 'busy':
      return `${kind} not answered (busy)`;
  }
}
