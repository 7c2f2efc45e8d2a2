import { CALL_FRAME_FIELDS, readCallFrame } from './call-frame.reader';
import { CALL_SERVER_FRAME_SCHEMAS } from './schema/call-frames.schema';

describe('the client reader of call frames', () => {
  it('checks exactly the required fields of each call frame schema', () => {
    const fromSchemas = Object.fromEntries(
      CALL_SERVER_FRAME_SCHEMAS.map((s) => [(s.properties.type as { const: string }).const, [...(s.required ?? [])].filter((k) => k !== 'type').sort()]),
    );
    const fromReader = Object.fromEntries(
      Object.entries(CALL_FRAME_FIELDS).map(([type, f]) => [type, [...f.strings, ...(f.lists ?? []), ...(f.numbers ?? []), ...(f.objects ?? [])].sort()]),
    );
    expect(fromReader).toEqual(fromSchemas);
  });

  it('accepts a well-formed frame with extra fields and refuses a missing or mistyped one', () => {
    const ended = { type: 'call.ended', call_id: 'c', conversation_id: 'v', reason: 'completed', duration_ms: 1200, extra: 1 };
    expect(readCallFrame(ended)).toBe(ended);
    expect(() => readCallFrame({ ...ended, duration_ms: -1 })).toThrow(/duration_ms/);
    expect(() => readCallFrame({ type: 'call.ringing', call_id: 'c', conversation_id: 'v', media: 'audio', callee_ids: [1], busy_ids: [] })).toThrow(/callee_ids/);
    expect(() => readCallFrame({ type: 'call.ice', call_id: 'c', from_user_id: 'u', candidate: 'x' })).toThrow(/candidate/);
    expect(() => readCallFrame({ type: 'call.nope' })).toThrow(/unknown frame type/);
  });
});
