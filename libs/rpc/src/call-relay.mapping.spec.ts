import { DomainError } from '@parley/domain';
import type { Delivery } from '@parley/ports';
import { deliveriesFromWire, deliveryToWire, type WireEvent } from './gateway.mapping';

const through = (d: Delivery): Delivery[] => {
  const wire = deliveryToWire(d);
  const key = Object.keys(wire).find((k) => k !== 'traceparent') as string;
  // What proto-loader hands the server: the oneof's name, unset strings as ''.
  const relay = (wire as Record<string, unknown>)[key];
  return deliveriesFromWire({ gateway_id: 'gw', events: [{ ...wire, [key]: relay, event: key } as WireEvent] });
};

describe('call signaling on the delivery wire', () => {
  it('carries a call.relay with its targets and frames', () => {
    const relay: Delivery = {
      type: 'call.relay',
      conversation_id: 'c',
      effects: [
        { to: [{ user_id: 'b', socket_id: 's1' }, { user_id: 'c', except_socket_id: 's2' }, { user_id: 'd' }], frame: { type: 'call.sdp', call_id: 'x', from_user_id: 'a', sdp_type: 'offer', sdp: 'v=0' } },
      ],
    };
    expect(through(relay)).toEqual([relay]);
  });

  it('refuses a relay whose frame is not a call frame', () => {
    const bad: WireEvent = { event: 'call_relay', call_relay: { conversation_id: 'c', effects: [{ to: [{ user_id: 'b' }], frame_json: '{"type":"message","call_id":"x"}' }] } };
    expect(() => deliveriesFromWire({ gateway_id: 'gw', events: [bad] })).toThrow(DomainError);
  });

  it('keeps a message’s call summary', () => {
    const created: Delivery = {
      type: 'message.created',
      created: true,
      origin: null,
      message: {
        id: 'm', conversation_id: 'c', seq: 1, sender_id: 'a', client_msg_id: 'call:x', body: { text: 'Missed audio call' }, created_at: '2026-12-04T10:00:00.000Z',
        call: { call_id: 'x', media: 'audio', outcome: 'missed', started_at: '2026-12-04T09:59:30.000Z', duration_ms: 0 },
      },
    };
    expect(through(created)).toEqual([created]);
  });
});
