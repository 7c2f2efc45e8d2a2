import { parleySendSizes, sampleMessage } from './parley-record-sizes';

describe('parleySendSizes', () => {
  it('counts key, value and headers of the ingress record the way KafkaEventLog does', () => {
    const s = parleySendSizes(64);
    expect(s.ingress.keyBytes).toBe(36); // the conversation id
    expect(s.ingress.headerBytes).toBe('traceparent'.length + 55);
    expect(s.ingress.totalBytes).toBe(s.ingress.keyBytes + s.ingress.valueBytes + s.ingress.headerBytes);
    // The value carries the text plus a fixed envelope; a longer text adds exactly its bytes.
    expect(parleySendSizes(164).ingress.valueBytes - s.ingress.valueBytes).toBe(100);
  });

  it('makes the message.created event bigger than the ingress send (it carries the whole message)', () => {
    const s = parleySendSizes(64);
    expect(s.event.valueBytes).toBeGreaterThan(s.ingress.valueBytes);
  });

  it('counts the text columns of a message row: four UUIDs and the JSON body', () => {
    expect(parleySendSizes(64).messageRowTextBytes).toBe(4 * 36 + JSON.stringify({ text: 'x'.repeat(64) }).length);
  });

  it('rejects a text length that is not a sane integer', () => {
    expect(() => parleySendSizes(-1)).toThrow(/textChars/);
    expect(() => parleySendSizes(1.5)).toThrow(/textChars/);
  });

  it('builds sample messages with the seq asked for', () => {
    expect(sampleMessage(3, 42)).toMatchObject({ seq: 42, body: { text: 'xxx' } });
  });
});
