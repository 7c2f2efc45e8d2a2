import { randomUUID } from 'node:crypto';
import { isDomainError } from '@parley/domain';
import { Logger } from '@parley/observability';
import { CallRecord, CallStore, ConversationApi, ConversationEvent, EventLog, Topics } from '@parley/ports';
import { CallClientFrame, CallLimits, CallSummary, ServerFrame } from '@parley/protocol';
import { KeyedBuckets } from '@parley/ports';
import { applyCallAction, CallAction, CallEffect, CallStep, isLiveFor, startCall, summaryText } from './call-machine';

export interface CallOptions {
  /** A callee who has not answered by then missed the call. */
  ringTimeoutMs: number;
  /** Most people in a call, the caller included (conversations larger than that cannot call). */
  maxParticipants: number;
  /** Every call record expires this long after its last change (a crashed gateway's calls go). */
  callTtlMs: number;
  /** ICE candidates per second per socket (twice that as a burst); more are refused. */
  iceRatePerSecond: number;
}

export const DEFAULT_CALL_OPTIONS: CallOptions = { ringTimeoutMs: 30_000, maxParticipants: CallLimits.MAX_PARTICIPANTS, callTtlMs: 4 * 3600_000, iceRatePerSecond: 20 };

/** The acting socket. */
export interface CallCaller {
  socket_id: string;
  user_id: string;
}

/** Stores a finished call's summary message through the normal send path (sender: the caller). */
export type SummaryPoster = (senderId: string, conversationId: string, clientMsgId: string, text: string, call: CallSummary) => Promise<void>;

const SAVE_ATTEMPTS = 5;

/**
 * A user's "in a call" entry lives this long unless the gateway holding the user's socket in the
 * call refreshes it (every third of it): a crashed gateway's users are free again within a minute.
 */
export const IN_CALL_TTL_MS = 60_000;

/**
 * The gateway's call signaling: checks membership and bounds, runs the state machine against the
 * shared call store (compare-and-set, retried), and publishes each step's frames as one
 * `call.relay` event on the events log, which fanout takes to the gateways holding the named
 * users' sockets (in standalone, the same path in-process). SDP and ICE are relayed, never stored.
 */
export class CallSignaling {
  private readonly ice: KeyedBuckets;
  /** Calls a local socket is in (as caller or the device that answered): a close hangs them up. */
  private readonly bySocket = new Map<string, { userId: string; calls: Set<string> }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly store: CallStore,
    private readonly conversations: ConversationApi,
    private readonly log: EventLog,
    private readonly postSummary: SummaryPoster,
    private readonly logger: Logger,
    /** Whether a socket id is one of this gateway's open sockets. */
    private readonly isLocalSocket: (socketId: string) => boolean,
    private readonly options: CallOptions = DEFAULT_CALL_OPTIONS,
    private readonly now: () => number = Date.now,
    /** Counts each call ended here, by outcome (for /metrics). */
    private readonly onEnded: (outcome: string) => void = () => undefined,
  ) {
    this.ice = new KeyedBuckets(options.iceRatePerSecond, options.iceRatePerSecond * 2, 100_000, now);
    this.heartbeat = setInterval(() => this.refreshInCall(), IN_CALL_TTL_MS / 3);
    this.heartbeat.unref();
  }

  async handle(who: CallCaller, f: CallClientFrame, reply: (frame: ServerFrame) => void): Promise<void> {
    const fail = (code: string, message: string) =>
      reply({ type: 'error', code, message, ...('call_id' in f ? { call_id: f.call_id } : { conversation_id: f.conversation_id }) });
    try {
      switch (f.type) {
        case 'call.invite':
          return await this.invite(who, f.conversation_id, f.media, fail);
        case 'call.accept':
        case 'call.reject':
        case 'call.cancel':
        case 'call.hangup': {
          const kind = f.type.slice('call.'.length) as 'accept' | 'reject' | 'cancel' | 'hangup';
          // Joining needs membership now, not only when the call was made (a member may have left since).
          if (kind === 'accept' && !(await this.memberOfCall(f.call_id, who.user_id))) return fail('NOT_FOUND', 'call not found');
          const error = await this.act(f.call_id, { kind, user_id: who.user_id, socket_id: who.socket_id });
          if (error) fail(error.code, error.message);
          return;
        }
        case 'call.sdp':
        case 'call.ice': {
          if (f.type === 'call.ice' && !this.ice.take(who.socket_id)) return fail('RATE_LIMITED', 'ICE candidates too fast');
          const call = await this.store.get(f.call_id);
          const me = call?.participants.find((p) => p.user_id === who.user_id);
          const to = call?.participants.find((p) => p.user_id === f.to_user_id);
          if (!call || call.state === 'ended' || me?.state !== 'joined' || me.socket_id !== who.socket_id) return fail('NOT_FOUND', 'call not found');
          if (to?.state !== 'joined' || !to.socket_id || to.user_id === who.user_id) return fail('NOT_FOUND', 'that user is not in the call');
          const frame =
            f.type === 'call.sdp'
              ? { type: 'call.sdp' as const, call_id: call.id, from_user_id: who.user_id, sdp_type: f.sdp_type, sdp: f.sdp }
              : { type: 'call.ice' as const, call_id: call.id, from_user_id: who.user_id, candidate: f.candidate };
          return await this.emit(call.conversation_id, [{ to: [{ user_id: to.user_id, socket_id: to.socket_id }], frame }]);
        }
      }
    } catch (err) {
      if (isDomainError(err)) return fail(err.code, err.message);
      this.logger.warn('call frame failed', { type: f.type, err });
      fail('UNAVAILABLE', 'call signaling is unavailable; try again');
    }
  }

  /** A local socket closed: the calls it was in are hung up (as a caller's cancel while ringing). */
  socketClosed(socketId: string, userId: string): void {
    const entry = this.bySocket.get(socketId);
    if (!entry) return;
    this.bySocket.delete(socketId);
    for (const callId of entry.calls) {
      void this.act(callId, { kind: 'hangup', user_id: userId, socket_id: socketId }).catch((err: unknown) => this.logger.warn('hang-up on close failed', { call_id: callId, err }));
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async invite(who: CallCaller, conversationId: string, media: CallRecord['media'], fail: (code: string, message: string) => void): Promise<void> {
    // Membership: a non-member gets NOT_FOUND, as for an unknown conversation.
    const page = await this.conversations.members(who.user_id, conversationId, this.options.maxParticipants, null);
    if (page.next_cursor !== null || page.items.length > this.options.maxParticipants) {
      return fail('FORBIDDEN', `calls are for conversations of at most ${this.options.maxParticipants} members`);
    }
    const others = page.items.map((m) => m.user_id).filter((u) => u !== who.user_id);
    if (others.length === 0) return fail('VALIDATION_FAILED', 'nobody else is in this conversation');
    if (await this.busy(who.user_id)) return fail('CONFLICT', 'you are already in a call');
    const callees = await Promise.all(others.map(async (user_id) => ({ user_id, busy: await this.busy(user_id) })));
    const step = startCall({ id: randomUUID(), conversation_id: conversationId, caller_id: who.user_id, caller_socket: who.socket_id, media, callees, now: this.now(), ringTimeoutMs: this.options.ringTimeoutMs });
    if (!(await this.store.save(step.call, this.options.callTtlMs))) throw new Error('a new call id was already taken');
    // Callees are busy while they ring; the caller (and later each who answers) while in the call.
    const ringTtl = this.options.ringTimeoutMs + IN_CALL_TTL_MS;
    await Promise.all(step.call.participants.filter((p) => p.state === 'invited').map((p) => this.store.setCurrentCall(p.user_id, step.call.id, ringTtl)));
    this.track(step.call);
    await this.finish(step);
    if (step.call.state !== 'ended') this.schedule(step.call.id, step.call.ring_deadline - this.now());
  }

  /** Runs an action with compare-and-set, retried when another gateway changed the call meanwhile. */
  private async act(callId: string, action: CallAction): Promise<CallStep['error'] | undefined> {
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const current = await this.store.get(callId);
      if (!current) return { code: 'NOT_FOUND', message: 'call not found' };
      const step = applyCallAction(current, action, this.now());
      if (step.call !== current) {
        if (!(await this.store.save(step.call, this.options.callTtlMs))) continue;
        this.track(step.call);
        await this.finish(step);
      }
      return step.error;
    }
    throw new Error(`call ${callId} kept changing under ${action.kind}`);
  }

  /** After a saved step: frees users who are out, sends the frames, stores the summary. */
  private async finish(step: CallStep): Promise<void> {
    const call = step.call;
    const out = call.participants.filter((p) => call.state === 'ended' || (p.state !== 'joined' && p.state !== 'invited'));
    await Promise.all(out.map((p) => this.store.clearCurrentCall(p.user_id, call.id)));
    // Whoever is in the call on a socket of this gateway: this gateway keeps their entry alive.
    const inHere = call.state === 'ended' ? [] : call.participants.filter((p) => p.state === 'joined' && p.socket_id !== null && this.isLocalSocket(p.socket_id));
    await Promise.all(inHere.map((p) => this.store.setCurrentCall(p.user_id, call.id, IN_CALL_TTL_MS)));
    await this.emit(call.conversation_id, step.effects);
    if (step.summary) {
      const s = step.summary;
      this.onEnded(s.outcome);
      // Idempotent by client_msg_id: one summary per call, whoever ends it and however often.
      await this.postSummary(call.caller_id, call.conversation_id, `call:${call.id}`, summaryText(s), s).catch((err: unknown) =>
        this.logger.warn('call summary not stored', { call_id: call.id, err }),
      );
    }
  }

  private async emit(conversationId: string, effects: CallEffect[]): Promise<void> {
    const live = effects.filter((e) => e.to.length > 0);
    if (live.length === 0) return;
    const event: ConversationEvent = { type: 'call.relay', conversation_id: conversationId, effects: live };
    await this.log.append(Topics.events, conversationId, event);
  }

  private async memberOfCall(callId: string, userId: string): Promise<boolean> {
    const call = await this.store.get(callId);
    return call !== null && (await this.conversations.isMember(userId, call.conversation_id));
  }

  private async busy(userId: string): Promise<boolean> {
    const id = await this.store.currentCallOf(userId);
    if (!id) return false;
    const call = await this.store.get(id);
    return call !== null && isLiveFor(call, userId, this.now());
  }

  /** Remembers which local sockets are in which calls, for hang-up on close. */
  private track(call: CallRecord): void {
    for (const p of call.participants) {
      if (!p.socket_id || !this.isLocalSocket(p.socket_id)) continue;
      const entry = this.bySocket.get(p.socket_id);
      const inIt = call.state !== 'ended' && p.state === 'joined';
      if (inIt) {
        if (entry) entry.calls.add(call.id);
        else this.bySocket.set(p.socket_id, { userId: p.user_id, calls: new Set([call.id]) });
      } else if (entry) {
        entry.calls.delete(call.id);
        if (entry.calls.size === 0) this.bySocket.delete(p.socket_id);
      }
    }
  }

  /** Keeps the "in a call" entries of this gateway's participants alive (see IN_CALL_TTL_MS). */
  private refreshInCall(): void {
    for (const { userId, calls } of this.bySocket.values()) {
      for (const callId of calls) {
        this.store.setCurrentCall(userId, callId, IN_CALL_TTL_MS).catch((err: unknown) => this.logger.warn('in-call refresh failed', { call_id: callId, err }));
      }
    }
  }

  private schedule(callId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.act(callId, { kind: 'timeout' }).catch((err: unknown) => this.logger.warn('call ring timeout failed', { call_id: callId, err }));
    }, Math.max(0, delayMs) + 50);
    timer.unref();
    this.timers.add(timer);
  }
}
