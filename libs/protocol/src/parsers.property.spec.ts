import fc from 'fast-check';
import { parseClientFrame } from './client-frame.parser';
import { Limits } from './constants';
import { charLength, isCleanText } from './fields';
import { parseHistoryQuery, parsePageQuery, parseReadReceiptsQuery } from './query.parsers';
import {
  validateAddMembers, validateCreateConversation, validateId, validateLogin, validateReadMarker, validateRefresh, validateRegister, validateSendMessage,
} from './rest-body.validators';

const RUNS = { numRuns: 2000 };

/** Strings as a hostile client sends them: any UTF-16 units, NUL and lone surrogates included. */
const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), fc.constant('\u0000'), fc.constant('\uD800'));
const cleanText = (max: number) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((s) => charLength(s) <= max && isCleanText(s));
const id = cleanText(40);

describe('parsers never throw and never accept what the contract refuses (property tests)', () => {
  it('every REST body validator answers a Result for any JSON value', () => {
    const validators = [validateRegister, validateLogin, validateRefresh, validateCreateConversation, validateAddMembers, validateSendMessage, validateReadMarker, validateId];
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        for (const validate of validators) {
          const r = validate(v);
          expect(typeof r.ok).toBe('boolean');
          if (!r.ok) expect(r.message.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('parseClientFrame answers a Result for any text, and for any object with a known type', () => {
    const frameLike = fc.record({ type: fc.constantFrom('send', 'sync', 'typing', 'read', 'ping', 'nope'), conversation_id: fc.oneof(anyText, fc.integer()), client_msg_id: fc.oneof(anyText, fc.constant(null)), body: fc.oneof(fc.record({ text: anyText }), fc.jsonValue()), after_seq: fc.oneof(fc.integer(), fc.double()), seq: fc.jsonValue(), state: fc.jsonValue(), nonce: fc.jsonValue(), limit: fc.jsonValue() }, { requiredKeys: ['type'] });
    fc.assert(
      fc.property(fc.oneof(anyText, frameLike.map((f) => JSON.stringify(f))), (text) => {
        const r = parseClientFrame(text);
        expect(typeof r.ok).toBe('boolean');
      }),
      RUNS,
    );
  });

  it('accepts every well-formed send frame and gives back exactly its fields', () => {
    fc.assert(
      fc.property(id, cleanText(Limits.CLIENT_MSG_ID_MAX), cleanText(200), fc.jsonValue(), (conversation_id, client_msg_id, text, extra) => {
        const r = parseClientFrame(JSON.stringify({ type: 'send', conversation_id, client_msg_id, body: { text }, extra }));
        expect(r).toEqual({ ok: true, value: { type: 'send', conversation_id, client_msg_id, body: { text } } });
      }),
      RUNS,
    );
  });

  it('refuses any text field holding a NUL or an unpaired surrogate', () => {
    const poisoned = fc.tuple(fc.string(), fc.constantFrom('\u0000', '\uD800', '\uDFFF'), fc.string()).map(([a, bad, b]) => a + bad + b).filter((s) => !isCleanText(s));
    fc.assert(
      fc.property(poisoned, (bad) => {
        expect(parseClientFrame(JSON.stringify({ type: 'send', conversation_id: 'c', client_msg_id: 'm', body: { text: bad } })).ok).toBe(false);
        expect(validateSendMessage({ client_msg_id: bad, body: { text: 'x' } }).ok).toBe(false);
        expect(validateId(bad).ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('query parsers answer a Result for any query string', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('after_seq', 'before_seq', 'limit', 'cursor', 'seq', 'x'), anyText), { maxLength: 6 }), (pairs) => {
        const params = new URLSearchParams();
        for (const [k, v] of pairs) params.append(k, v);
        for (const parse of [parseHistoryQuery, parsePageQuery, parseReadReceiptsQuery]) expect(typeof parse(params).ok).toBe('boolean');
      }),
      RUNS,
    );
  });
});
