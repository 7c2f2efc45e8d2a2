import { decodeFanoutFrame, stampedText } from './fanout-frames';

describe('fan-out frames', () => {
  const sent = 123456789012345n;
  const text = stampedText(sent, 64);

  it('pads the stamped text to the asked length and keeps the stamp readable', () => {
    expect(text).toHaveLength(64);
    expect(text.startsWith(`t=${sent} `)).toBe(true);
  });

  it('decodes each dialect', () => {
    expect(decodeFanoutFrame('parley', JSON.stringify({ type: 'message', seq: 7, body: { text } }))).toEqual({ seq: 7, sentNs: sent });
    expect(decodeFanoutFrame('plain', JSON.stringify({ type: 'message', seq: 3, text }))).toEqual({ seq: 3, sentNs: sent });
    expect(decodeFanoutFrame('engine.io', `42${JSON.stringify(['message', { seq: 9, text }])}`)).toEqual({ seq: 9, sentNs: sent });
  });

  it('ignores frames that are not fan-out messages', () => {
    expect(decodeFanoutFrame('parley', JSON.stringify({ type: 'hello', user_id: 'u' }))).toBeNull();
    expect(decodeFanoutFrame('parley', JSON.stringify({ type: 'message', seq: 1, body: { text: 'no stamp' } }))).toBeNull();
    expect(decodeFanoutFrame('engine.io', '40{"sid":"x"}')).toBeNull();
    expect(decodeFanoutFrame('engine.io', `42${JSON.stringify(['other', { seq: 1, text }])}`)).toBeNull();
  });

  it('throws on a frame that is not JSON (the worker counts it as undecodable)', () => {
    expect(() => decodeFanoutFrame('parley', '{not json')).toThrow();
  });
});
