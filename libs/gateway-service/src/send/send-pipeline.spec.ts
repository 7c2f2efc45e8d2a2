import { isDomainError } from '@parley/domain';
import { AppendResult, Consumer, EventLog, IngressSend, Topics } from '@parley/ports';
import { SendPipeline, SendOutcome } from './send-pipeline';

interface Append {
  topic: string;
  key: string;
  value: IngressSend;
  headers: Record<string, string>;
}

/** An EventLog that records appends, and fails them while `failWith` is set. */
class FakeLog implements EventLog {
  readonly appends: Append[] = [];
  failWith: Error | null = null;

  async append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    if (this.failWith) throw this.failWith;
    this.appends.push({ topic, key, value: value as IngressSend, headers });
    return { partition: 0, offset: String(this.appends.length - 1) };
  }
  async consume(): Promise<Consumer> {
    throw new Error('not used by the send pipeline');
  }
  async healthy(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}

  /** The origin ref of append number `index` (0-based), once it has happened. */
  async refOf(index: number): Promise<string> {
    for (let i = 0; i < 100 && this.appends.length <= index; i++) await Promise.resolve();
    const append = this.appends[index];
    if (!append) throw new Error(`append ${index} did not happen`);
    return append.value.origin.ref;
  }
}

const persisted = (seq: number, created = true): SendOutcome => ({
  kind: 'persisted',
  created,
  message: { id: `m${seq}`, conversation_id: 'c1', seq, sender_id: 'alice', client_msg_id: 'k1', body: { text: 'hi' }, created_at: '2025-01-01T00:00:00.000Z' },
});

const LONG = 60_000;
let pipelines: SendPipeline[] = [];
function pipeline(log: EventLog, maxRestWaiters?: number): SendPipeline {
  const p = new SendPipeline('gw-1', log, maxRestWaiters);
  pipelines.push(p);
  return p;
}
afterEach(() => {
  for (const p of pipelines) p.close();
  pipelines = [];
});

describe('SendPipeline', () => {
  it('publishes a send to the ingress log, keyed by conversation, with its origin and headers', async () => {
    const log = new FakeLog();
    await pipeline(log).publish('alice', 'c1', 'k1', { text: 'hello' }, 'conn-7', { traceparent: 't' });
    expect(log.appends).toEqual([
      {
        topic: Topics.ingress,
        key: 'c1',
        headers: { traceparent: 't' },
        value: {
          type: 'send',
          conversation_id: 'c1',
          sender_id: 'alice',
          client_msg_id: 'k1',
          body: { text: 'hello' },
          origin: { gateway_id: 'gw-1', ref: 'conn-7' },
          received_at: expect.any(String),
        },
      },
    ]);
    expect(Number.isNaN(Date.parse(log.appends[0].value.received_at))).toBe(false);
  });

  it('answers a REST send with the outcome the sequencer sends back to its ref', async () => {
    const log = new FakeLog();
    const p = pipeline(log);
    const outcome = p.sendAndWait('alice', 'c1', 'k1', { text: 'hi' }, LONG);
    const ref = await log.refOf(0);
    expect(ref).toMatch(/^rest:/);
    expect(p.settle(ref, persisted(4, false))).toBe(true);
    await expect(outcome).resolves.toEqual(persisted(4, false));
  });

  it('answers a rejected send with the rejection', async () => {
    const log = new FakeLog();
    const p = pipeline(log);
    const outcome = p.sendAndWait('mallory', 'c1', 'k1', { text: 'hi' }, LONG);
    p.settle(await log.refOf(0), { kind: 'rejected', code: 'FORBIDDEN', message: 'not a member' });
    await expect(outcome).resolves.toEqual({ kind: 'rejected', code: 'FORBIDDEN', message: 'not a member' });
  });

  it('gives each REST send its own ref, and settles each one once', async () => {
    const log = new FakeLog();
    const p = pipeline(log);
    const first = p.sendAndWait('alice', 'c1', 'k1', { text: 'a' }, LONG);
    const ref1 = await log.refOf(0);
    const second = p.sendAndWait('alice', 'c1', 'k2', { text: 'b' }, LONG);
    const ref2 = await log.refOf(1);
    expect(ref2).not.toBe(ref1);
    expect(p.settle(ref2, persisted(2))).toBe(true);
    expect(p.settle(ref1, persisted(1))).toBe(true);
    expect(p.settle(ref1, persisted(9))).toBe(false);
    await expect(first).resolves.toEqual(persisted(1));
    await expect(second).resolves.toEqual(persisted(2));
  });

  it('does not claim refs that are not its REST waiters (WebSocket connection ids)', () => {
    expect(pipeline(new FakeLog()).settle('conn-7', persisted(1))).toBe(false);
  });

  it('gives up on a REST send that is not answered in time with UNAVAILABLE, and forgets it', async () => {
    const log = new FakeLog();
    const p = pipeline(log);
    const outcome = p.sendAndWait('alice', 'c1', 'k1', { text: 'hi' }, 1);
    const ref = await log.refOf(0);
    const error = await outcome.then(() => null, (e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe('UNAVAILABLE');
    expect(p.settle(ref, persisted(1))).toBe(false);
  });

  it('fails a REST send whose publish fails, without leaving a waiter behind', async () => {
    const log = new FakeLog();
    log.failWith = new Error('ingress log down');
    const p = pipeline(log, 1);
    await expect(p.sendAndWait('alice', 'c1', 'k1', { text: 'hi' }, LONG)).rejects.toThrow('ingress log down');
    log.failWith = null;
    // The failed send freed its slot: the single slot is usable again.
    const outcome = p.sendAndWait('alice', 'c1', 'k2', { text: 'hi' }, LONG);
    p.settle(await log.refOf(0), persisted(1));
    await expect(outcome).resolves.toEqual(persisted(1));
  });

  it('refuses REST sends beyond maxRestWaiters in flight with RATE_LIMITED, before publishing', async () => {
    const log = new FakeLog();
    const p = pipeline(log, 2);
    const waiting = [p.sendAndWait('alice', 'c1', 'k1', { text: 'a' }, LONG), p.sendAndWait('alice', 'c1', 'k2', { text: 'b' }, LONG)];
    const error = await p.sendAndWait('alice', 'c1', 'k3', { text: 'c' }, LONG).then(() => null, (e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe('RATE_LIMITED');
    await Promise.resolve();
    expect(log.appends.map((a) => a.value.client_msg_id)).toEqual(['k1', 'k2']);
    for (const a of log.appends) p.settle(a.value.origin.ref, persisted(1));
    await Promise.all(waiting);
  });
});
