import { DomainError } from '@parley/domain';
import { historyQueryFromWire } from './conversations.mapping';
import { deliveriesFromWire, type WireEvent } from './gateway.mapping';
import { jwksFromWire } from './auth.mapping';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return undefined;
};

describe('decoding proto messages', () => {
  it('skips an event of a type this build does not know (an empty oneof) and keeps the rest', () => {
    const known: WireEvent = { event: 'member_removed', member_removed: { conversation_id: 'c-1', user_id: 'u-1' } };
    expect(deliveriesFromWire({ gateway_id: 'gw:1', events: [{}, known] })).toEqual([{ type: 'member.removed', conversation_id: 'c-1', user_id: 'u-1' }]);
  });

  it('rejects an event with a value outside its union, or without its required parts', () => {
    const typing: WireEvent = { event: 'typing', typing: { conversation_id: 'c', user_id: 'u', state: 'sideways', member_count: 2 } };
    expect(codeOf(() => deliveriesFromWire({ gateway_id: 'gw:1', events: [typing] }))).toBe('VALIDATION_FAILED');
    const rejected: WireEvent = { event: 'send_rejected', send_rejected: { conversation_id: 'c', client_msg_id: 'x', code: 'FORBIDDEN', message: 'm', origin: null } };
    expect(codeOf(() => deliveriesFromWire({ gateway_id: 'gw:1', events: [rejected] }))).toBe('VALIDATION_FAILED');
  });

  it('rejects seqs that are not safe non-negative integers', () => {
    expect(codeOf(() => historyQueryFromWire({ actor_id: 'u', conversation_id: 'c', after_seq: 2 ** 60, limit: 1 }))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => historyQueryFromWire({ actor_id: 'u', conversation_id: 'c', before_seq: -1, limit: 1 }))).toBe('VALIDATION_FAILED');
  });

  it('rejects a JWKS that is not a JSON object with a keys array of objects', () => {
    for (const jwks_json of ['', '[]', '{"keys":{}}', '{"keys":[1]}', '{"keys":[[]]}']) {
      expect(codeOf(() => jwksFromWire({ jwks_json }))).toBe('VALIDATION_FAILED');
    }
    expect(jwksFromWire({ jwks_json: '{"keys":[]}' })).toEqual({ keys: [] });
  });
});
