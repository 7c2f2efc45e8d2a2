import { validationFailed } from '@parley/domain';
import { carriedTrace, carryTrace, spanContextOf } from '@parley/observability';
import { REJECT_CODES, type ConversationEvent, type Delivery, type SendOrigin } from '@parley/ports';
import { messageFromWire, type WireMessage } from './common.mapping';
import { count, type Maybe, oneOf, orNull, required } from './wire-values';

/** Wire shapes of gateway.proto: a Delivery is an Event whose oneof member names its `type`. */

type Variant<T extends ConversationEvent['type']> = Omit<Extract<ConversationEvent, { type: T }>, 'type'>;

export interface WireSendOrigin {
  gateway_id: string;
  ref: string;
}
export interface WireMessageCreated {
  message: Maybe<WireMessage>;
  origin: Maybe<WireSendOrigin>;
  created: boolean;
}
export interface WireSendRejected {
  conversation_id: string;
  client_msg_id: string;
  code: string;
  message: string;
  origin: Maybe<WireSendOrigin>;
  retry_after?: Maybe<number>;
}
export interface WireReadUpdated {
  conversation_id: string;
  user_id: string;
  seq: number;
  member_count: number;
}
export interface WireTyping {
  conversation_id: string;
  user_id: string;
  state: string;
  member_count: number;
}
export interface WirePresenceChanged {
  user_id: string;
  status: string;
  last_seen_at?: Maybe<string>;
}

export interface WireCallRelay {
  conversation_id: string;
  effects: Array<{ to: Array<{ user_id: string; socket_id?: Maybe<string>; except_socket_id?: Maybe<string> }>; frame_json: string }>;
}

/** At most one member is set; `event` (decoded only) names it. */
export interface WireEvent {
  message_created?: Maybe<WireMessageCreated>;
  send_rejected?: Maybe<WireSendRejected>;
  member_added?: Maybe<Variant<'member.added'>>;
  member_removed?: Maybe<Variant<'member.removed'>>;
  read_updated?: Maybe<WireReadUpdated>;
  typing?: Maybe<WireTyping>;
  presence_changed?: Maybe<WirePresenceChanged>;
  session_revoked?: Maybe<Variant<'session.revoked'>>;
  call_relay?: Maybe<WireCallRelay>;
  event?: string;
  /** The delivery's step in its message's trace (see carryTrace); empty or absent when untraced. */
  traceparent?: Maybe<string>;
}

export interface WireDeliverRequest {
  events: WireEvent[];
  gateway_id: string;
}

export function eventToWire(event: Delivery): WireEvent {
  switch (event.type) {
    case 'message.created':
      return { message_created: { message: event.message, origin: event.origin, created: event.created } };
    case 'send.rejected': {
      const { type: _type, ...rest } = event;
      return { send_rejected: rest };
    }
    case 'member.added':
      return { member_added: { conversation_id: event.conversation_id, user_ids: event.user_ids } };
    case 'member.removed':
      return { member_removed: { conversation_id: event.conversation_id, user_id: event.user_id } };
    case 'read.updated':
      return { read_updated: { conversation_id: event.conversation_id, user_id: event.user_id, seq: event.seq, member_count: event.member_count } };
    case 'typing':
      return { typing: { conversation_id: event.conversation_id, user_id: event.user_id, state: event.state, member_count: event.member_count } };
    case 'presence.changed':
      return { presence_changed: { user_id: event.user_id, status: event.status, last_seen_at: event.last_seen_at } };
    case 'session.revoked':
      return { session_revoked: { user_id: event.user_id, session_id: event.session_id } };
    case 'call.relay':
      return {
        call_relay: {
          conversation_id: event.conversation_id,
          effects: event.effects.map((e) => ({ to: e.to.map((t) => ({ user_id: t.user_id, socket_id: t.socket_id ?? '', except_socket_id: t.except_socket_id ?? '' })), frame_json: JSON.stringify(e.frame) })),
        },
      };
  }
}

const originFromWire = (wire: WireSendOrigin): SendOrigin => ({ gateway_id: wire.gateway_id, ref: wire.ref });

/**
 * The Delivery an Event carries, or null when it carries none this build knows: a newer sender's
 * new event type arrives as an empty oneof, and a gateway may drop a copy (clients fill gaps).
 */
export function eventFromWire(wire: WireEvent, field: string): Delivery | null {
  switch (wire.event) {
    case 'message_created': {
      const v = required(wire.message_created, field);
      return {
        type: 'message.created',
        message: messageFromWire(required(v.message, `${field}.message`), `${field}.message`),
        origin: v.origin ? originFromWire(v.origin) : null,
        created: v.created,
      };
    }
    case 'send_rejected': {
      const v = required(wire.send_rejected, field);
      return {
        type: 'send.rejected',
        conversation_id: v.conversation_id,
        client_msg_id: v.client_msg_id,
        code: oneOf(v.code, REJECT_CODES, `${field}.code`),
        message: v.message,
        origin: originFromWire(required(v.origin, `${field}.origin`)),
        ...(v.retry_after !== null && v.retry_after !== undefined ? { retry_after: count(v.retry_after, `${field}.retry_after`) } : {}),
      };
    }
    case 'member_added': {
      const v = required(wire.member_added, field);
      return { type: 'member.added', conversation_id: v.conversation_id, user_ids: v.user_ids };
    }
    case 'member_removed': {
      const v = required(wire.member_removed, field);
      return { type: 'member.removed', conversation_id: v.conversation_id, user_id: v.user_id };
    }
    case 'read_updated': {
      const v = required(wire.read_updated, field);
      return {
        type: 'read.updated',
        conversation_id: v.conversation_id,
        user_id: v.user_id,
        seq: count(v.seq, `${field}.seq`),
        member_count: count(v.member_count, `${field}.member_count`),
      };
    }
    case 'typing': {
      const v = required(wire.typing, field);
      return {
        type: 'typing',
        conversation_id: v.conversation_id,
        user_id: v.user_id,
        state: oneOf(v.state, ['start', 'stop'] as const, `${field}.state`),
        member_count: count(v.member_count, `${field}.member_count`),
      };
    }
    case 'presence_changed': {
      const v = required(wire.presence_changed, field);
      return {
        type: 'presence.changed',
        user_id: v.user_id,
        status: oneOf(v.status, ['online', 'offline'] as const, `${field}.status`),
        last_seen_at: orNull(v.last_seen_at),
      };
    }
    case 'session_revoked': {
      const v = required(wire.session_revoked, field);
      return { type: 'session.revoked', user_id: v.user_id, session_id: v.session_id };
    }
    case 'call_relay':
      return callRelayFromWire(required(wire.call_relay, field), field);
    default:
      return null;
  }
}

function callRelayFromWire(v: WireCallRelay, field: string): Delivery {
  return {
    type: 'call.relay',
    conversation_id: v.conversation_id,
    effects: v.effects.map((e, i) => {
      let frame: unknown;
      try {
        frame = JSON.parse(e.frame_json);
      } catch {
        frame = null;
      }
      const f = frame as { type?: unknown; call_id?: unknown } | null;
      if (typeof f?.type !== 'string' || !f.type.startsWith('call.') || typeof f.call_id !== 'string') throw validationFailed(`${field}.effects[${i}].frame_json is not a call frame`);
      const to = e.to.map((t) => ({ user_id: t.user_id, ...(t.socket_id ? { socket_id: t.socket_id } : {}), ...(t.except_socket_id ? { except_socket_id: t.except_socket_id } : {}) }));
      return { to, frame: frame as { type: string; call_id: string } & Record<string, unknown> };
    }),
  };
}

/** A delivery on the wire, with the trace context fanout gave it. */
export function deliveryToWire(delivery: Delivery): WireEvent {
  const traceparent = carriedTrace(delivery);
  return traceparent ? { ...eventToWire(delivery), traceparent } : eventToWire(delivery);
}

export function deliveriesFromWire(wire: WireDeliverRequest): Delivery[] {
  const deliveries: Delivery[] = [];
  wire.events.forEach((event, i) => {
    const delivery = eventFromWire(event, `events[${i}]`);
    // A malformed traceparent is dropped, never trusted: the delivery itself still counts.
    const traceparent = typeof event.traceparent === 'string' && spanContextOf(event.traceparent) ? event.traceparent : undefined;
    if (delivery) deliveries.push(carryTrace(delivery, traceparent));
  });
  return deliveries;
}
