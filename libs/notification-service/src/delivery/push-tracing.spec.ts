import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { ConversationEvent, LogRecord, PgliteSqlDb } from '@parley/ports';
import { APNS_TOKEN, openPushDb, pushHarness } from '../__tests__/push-harness';

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
provider.register();

const tp = (n: number) => `00-${String(n).padStart(32, 'a')}-${String(n).padStart(16, 'b')}-01`;

describe('push path spans (docs/adr/0007-tracing.md)', () => {
  let db: PgliteSqlDb;
  beforeAll(async () => {
    db = await openPushDb();
  }, 60_000);
  afterAll(async () => {
    await db.close();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  async function setup() {
    const h = await pushHarness(db, { coalesceMs: 100 });
    h.members.members.set('c-1', ['u-alice', 'u-bob']);
    await h.settings.registerDevice('u-bob', 's-bob', { platform: 'apns', token: APNS_TOKEN, app_id: 'com.example.chat', sandbox: false, locale: null });
    const feed = (events: Array<[ConversationEvent, string]>) =>
      h.consumer.handleBatch(events.map(([value, traceparent], i): LogRecord<ConversationEvent> => ({ topic: 'parley.events.v1', partition: 2, offset: String(i), key: 'c-1', value, headers: { traceparent }, timestamp: Date.now() })));
    return { h, feed };
  }

  it('a collapsed push continues the first message\'s trace: admission → row → provider call, linked to the batch and the other messages', async () => {
    const { h, feed } = await setup();
    await feed([[h.message('c-1', 'u-alice', 'one'), tp(1)], [h.message('c-1', 'u-alice', 'two'), tp(2)], [h.message('c-1', 'u-alice', 'three'), tp(3)]]);
    await h.drain();
    expect(h.apns.sent).toHaveLength(1);
    const spans = exporter.getFinishedSpans();
    const admissions = spans.filter((s) => s.name === 'process parley.events.v1');
    expect(admissions.map((s) => s.parentSpanContext?.spanId)).toEqual([tp(1), tp(2), tp(3)].map((t) => t.split('-')[2]));
    expect(admissions[0].kind).toBe(SpanKind.CONSUMER);
    expect(admissions[0].attributes).toMatchObject({ 'messaging.consumer.group.name': 'parley-notification', 'parley.conversation_id': 'c-1', 'parley.push.recipients': 1 });

    const outbox = spans.filter((s) => s.name === 'process push_outbox');
    const batch = outbox.find((s) => s.parentSpanContext === undefined)!;
    const row = outbox.find((s) => s !== batch)!;
    expect(batch.links.map((l) => l.context.spanId)).toEqual([admissions[0].spanContext().spanId]);
    expect(row.parentSpanContext?.spanId).toBe(admissions[0].spanContext().spanId);
    expect(row.spanContext().traceId).toBe(admissions[0].spanContext().traceId);
    expect(row.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId, admissions[1].spanContext().spanId, admissions[2].spanContext().spanId]);
    expect(row.attributes).toMatchObject({ 'parley.push.kind': 'alert', 'parley.push.count': 3, 'parley.seq': 3 });

    const call = spans.find((s) => s.name === 'apns/send')!;
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.parentSpanContext?.spanId).toBe(row.spanContext().spanId);
    expect(call.attributes).toMatchObject({ 'rpc.system': 'apns', 'rpc.method': 'send', 'parley.push.outcome': 'accepted' });
    // Never a token, a title or a body.
    const everything = JSON.stringify(spans.map((s) => ({ a: s.attributes, e: s.events, st: s.status })));
    for (const secret of [APNS_TOKEN, 'three', 'Alice']) expect(everything).not.toContain(secret);
    // Sent: the row forgets the traces it carried.
    const left = await h.db.query<{ traceparents: string[] }>(`SELECT traceparents FROM push_state WHERE user_id = 'u-bob'`);
    expect(left.rows[0].traceparents).toEqual([]);
  });

  it('a provider refusal is an ERROR status with the reason, any token-shaped run redacted', async () => {
    const { h, feed } = await setup();
    h.apns.script.push({ status: 'failed', reason: `BadTopic for ${APNS_TOKEN}` });
    await feed([[h.message('c-1', 'u-alice', 'hello'), tp(4)]]);
    await h.drain();
    const call = exporter.getFinishedSpans().find((s) => s.name === 'apns/send')!;
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(call.status.message).toBe('failed: BadTopic for <redacted>');
    expect(call.attributes['parley.push.outcome']).toBe('failed');
  });
});
