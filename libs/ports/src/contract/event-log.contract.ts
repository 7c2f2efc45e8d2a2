/// <reference types="jest" />
import { AppendResult, Consumer, ConsumerOptions, EventLog, LogRecord } from '../event-log.port';
import { uniqueName, waitFor } from './support';

export interface EventLogUnderTest {
  log: EventLog;
  /**
   * Releases this client, closing the log if it is still open. It must keep the data: a suite
   * calls makeAdapter again to play a restarted process against the same log.
   */
  cleanup(): Promise<void>;
  /** Creates a topic before first use, where the adapter needs that (Kafka: at least 2 partitions). */
  createTopic?(topic: string): Promise<void>;
}

export interface EventLogContractOptions {
  /** Bound for each wait on delivery (rebalances on a real broker take seconds); tests get a multiple of it. */
  timeoutMs?: number;
}

interface Payload {
  n: number;
}

/**
 * What every EventLog adapter must do for its callers (see event-log.port.ts). Each test uses its
 * own topic and group, so adapters may share one backing store across tests and runs.
 */
export function describeEventLogContract(
  name: string,
  makeAdapter: () => Promise<EventLogUnderTest>,
  options: EventLogContractOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const wait = (condition: () => boolean, what: string) => waitFor(condition, timeoutMs, what);
  // Longer than one wait, so a missing delivery fails with the wait's message, not a bare test timeout.
  const testTimeout = timeoutMs * 2;

  describe(`EventLog contract: ${name}`, () => {
    const open: EventLogUnderTest[] = [];
    const consumers: Consumer[] = [];

    async function adapter(): Promise<EventLogUnderTest> {
      const a = await makeAdapter();
      open.push(a);
      return a;
    }

    async function topicOf(a: EventLogUnderTest): Promise<string> {
      const topic = uniqueName('contract');
      await a.createTopic?.(topic);
      return topic;
    }

    async function consume(log: EventLog, o: ConsumerOptions<Payload>): Promise<Consumer> {
      const c = await log.consume<Payload>(o);
      consumers.push(c);
      return c;
    }

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.stop()));
      await Promise.all(open.splice(0).map((a) => a.cleanup()));
    });

    it(
      'sends every record of a key to one partition and delivers them in append order, as appended',
      async () => {
        const a = await adapter();
        const { log } = a;
        const topic = await topicOf(a);
        const results: AppendResult[] = [];
        for (let n = 0; n < 5; n++) results.push(await log.append<Payload>(topic, 'key-a', { n }, { trace: `t${n}` }));

        expect(new Set(results.map((r) => r.partition)).size).toBe(1);
        expectIncreasing(results.map((r) => r.offset));

        const received: LogRecord<Payload>[] = [];
        await consume(log, { group: uniqueName('g'), topic, handleBatch: async (records) => void received.push(...records) });
        await wait(() => received.length >= 5, '5 records');

        expect(received.map((r) => r.value.n)).toEqual([0, 1, 2, 3, 4]);
        expect(received.map((r) => r.offset)).toEqual(results.map((r) => r.offset));
        expect(received[2]).toMatchObject({ topic, partition: results[0].partition, key: 'key-a', value: { n: 2 }, headers: { trace: 't2' } });
        expect(Number.isFinite(received[2].timestamp)).toBe(true);
      },
      testTimeout,
    );

    it(
      'gives concurrent appends distinct offsets, keeps each key in one partition, and delivers each partition in offset order',
      async () => {
        const a = await adapter();
        const { log } = a;
        const topic = await topicOf(a);
        const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
        const sends = Array.from({ length: 72 }, (_, n) => ({ key: keys[n % keys.length], n }));
        const results = await Promise.all(sends.map((s) => log.append<Payload>(topic, s.key, { n: s.n })));

        const partitionOfKey = new Map<string, number>();
        results.forEach((r, n) => {
          const key = sends[n].key;
          expect(partitionOfKey.get(key) ?? r.partition).toBe(r.partition);
          partitionOfKey.set(key, r.partition);
        });
        const positions = results.map((r) => `${r.partition}:${r.offset}`);
        expect(new Set(positions).size).toBe(sends.length);

        const received: LogRecord<Payload>[] = [];
        await consume(log, { group: uniqueName('g'), topic, maxBatch: 7, handleBatch: async (records) => void received.push(...records) });
        await wait(() => new Set(received.map((r) => r.value.n)).size >= sends.length, `${sends.length} records`);

        for (const r of received) expect(`${r.partition}:${r.offset}`).toBe(positions[r.value.n]);
        for (const partition of new Set(results.map((r) => r.partition))) {
          expectIncreasing(received.filter((r) => r.partition === partition).map((r) => r.offset));
        }
      },
      testTimeout,
    );

    it(
      'hands a batch whose handler threw over again, and handles nothing behind it first',
      async () => {
        const a = await adapter();
        const { log } = a;
        const topic = await topicOf(a);
        for (let n = 0; n < 5; n++) await log.append<Payload>(topic, 'key-retry', { n });

        const handled: number[] = [];
        const offsetsOfTwo: string[] = [];
        let failures = 0;
        await consume(log, {
          group: uniqueName('g'),
          topic,
          handleBatch: async (records) => {
            for (const r of records) {
              if (r.value.n === 2) offsetsOfTwo.push(r.offset);
              if (r.value.n === 2 && failures === 0) {
                failures++;
                throw new Error('handler failure the log must retry');
              }
              handled.push(r.value.n);
            }
          },
        });
        await wait(() => handled.includes(4), 'the record after the failed one');

        expect(failures).toBe(1);
        expect(offsetsOfTwo).toHaveLength(2);
        expect(offsetsOfTwo[1]).toBe(offsetsOfTwo[0]);
        // Whatever was redelivered, the successful handling order is the append order.
        expect(handled.indexOf(2)).toBeLessThan(handled.indexOf(3));
        expect(handled.indexOf(3)).toBeLessThan(handled.indexOf(4));
        expect(new Set(handled)).toEqual(new Set([0, 1, 2, 3, 4]));
      },
      testTimeout,
    );

    it(
      'resumes a group after its last committed record, in the same client and after a restart, skipping nothing',
      async () => {
        const first = await adapter();
        const topic = await topicOf(first);
        const group = uniqueName('g');
        for (let n = 0; n < 5; n++) await first.log.append<Payload>(topic, 'key-resume', { n });

        const seenByA: number[] = [];
        const a = await first.log.consume<Payload>({ group, topic, handleBatch: async (rs) => void seenByA.push(...rs.map((r) => r.value.n)) });
        await wait(() => seenByA.length >= 5, 'consumer A to handle 5 records');
        await a.stop();

        for (let n = 5; n < 10; n++) await first.log.append<Payload>(topic, 'key-resume', { n });
        const seenByB: number[] = [];
        const b = await first.log.consume<Payload>({ group, topic, handleBatch: async (rs) => void seenByB.push(...rs.map((r) => r.value.n)) });
        await wait(() => seenByB.includes(9), 'consumer B to reach record 9');
        await b.stop();
        expect(seenByA).toEqual([0, 1, 2, 3, 4]);
        expect(seenByB).toEqual([5, 6, 7, 8, 9]);

        for (let n = 10; n < 13; n++) await first.log.append<Payload>(topic, 'key-resume', { n });
        await first.cleanup();
        open.splice(open.indexOf(first), 1);

        const restarted = await adapter();
        const seenByC: number[] = [];
        await consume(restarted.log, { group, topic, handleBatch: async (rs) => void seenByC.push(...rs.map((r) => r.value.n)) });
        await wait(() => seenByC.includes(12), 'the restarted consumer to reach record 12');
        expect(seenByC).toEqual([10, 11, 12]);
      },
      testTimeout * 2,
    );

    it(
      'commits nothing for a failing batch: the next owner of the group starts at the failed record',
      async () => {
        const a = await adapter();
        const { log } = a;
        const topic = await topicOf(a);
        const group = uniqueName('g');
        for (let n = 0; n < 3; n++) await log.append<Payload>(topic, 'key-fail', { n });

        const handledByA: number[] = [];
        let attemptsOnOne = 0;
        const consumerA = await log.consume<Payload>({
          group,
          topic,
          maxBatch: 1,
          handleBatch: async (records) => {
            for (const r of records) {
              if (r.value.n === 1) {
                attemptsOnOne++;
                throw new Error('this record never succeeds in consumer A');
              }
              handledByA.push(r.value.n);
            }
          },
        });
        await wait(() => attemptsOnOne >= 2, 'two attempts on the failing record');
        await consumerA.stop();

        const seenByB: number[] = [];
        await consume(log, { group, topic, handleBatch: async (rs) => void seenByB.push(...rs.map((r) => r.value.n)) });
        await wait(() => seenByB.includes(2), 'consumer B to reach record 2');

        expect(handledByA).toEqual([0]);
        expect(seenByB).toEqual([1, 2]);
      },
      testTimeout,
    );

    it(
      'splits the partitions between two consumers of a group without overlap, and hands them back when one stops',
      async () => {
        const a = await adapter();
        const { log } = a;
        const topic = await topicOf(a);
        const group = uniqueName('g');
        const owned = { A: new Set<number>(), B: new Set<number>() };
        const handledBy = new Map<number, 'A' | 'B'>();
        const violations: string[] = [];

        const member = (who: 'A' | 'B'): ConsumerOptions<Payload> => ({
          group,
          topic,
          onAssigned: (ps) => ps.forEach((p) => owned[who].add(p)),
          onRevoked: (ps) => ps.forEach((p) => owned[who].delete(p)),
          handleBatch: async (records) => {
            for (const r of records) {
              if (!owned[who].has(r.partition)) violations.push(`${who} handled ${r.partition}:${r.offset} without owning it`);
              const earlier = handledBy.get(r.value.n);
              if (earlier !== undefined && earlier !== who) violations.push(`record ${r.value.n} handled by ${earlier} and ${who}`);
              handledBy.set(r.value.n, who);
            }
          },
        });

        await consume(log, member('A'));
        await wait(() => owned.A.size > 0, 'A to be assigned partitions');
        const b = await consume(log, member('B'));
        await wait(() => owned.B.size > 0 && [...owned.B].every((p) => !owned.A.has(p)), 'the group to rebalance onto A and B');

        const sends = Array.from({ length: 48 }, (_, n) => ({ key: `member-key-${n}`, n }));
        await Promise.all(sends.map((s) => log.append<Payload>(topic, s.key, { n: s.n })));
        await wait(() => sends.every((s) => handledBy.has(s.n)), 'all records of the first round');

        expect(violations).toEqual([]);
        const handlers = new Set(sends.map((s) => handledBy.get(s.n)));
        expect(handlers).toEqual(new Set(['A', 'B']));

        const ofB = [...owned.B];
        await b.stop();
        await wait(() => ofB.every((p) => owned.A.has(p)), "A to take over B's partitions");
        const more = Array.from({ length: 48 }, (_, i) => ({ key: `member-key-${i}`, n: 100 + i }));
        await Promise.all(more.map((s) => log.append<Payload>(topic, s.key, { n: s.n })));
        await wait(() => more.every((s) => handledBy.has(s.n)), 'all records of the second round');

        expect(violations).toEqual([]);
        expect(new Set(more.map((s) => handledBy.get(s.n)))).toEqual(new Set(['A']));
      },
      testTimeout * 2,
    );

    it(
      'is healthy while open and not after close()',
      async () => {
        const { log } = await adapter();
        expect(await log.healthy()).toBe(true);
        await log.close();
        expect(await log.healthy()).toBe(false);
      },
      testTimeout,
    );
  });
}

function expectIncreasing(offsets: string[]): void {
  for (let i = 1; i < offsets.length; i++) {
    if (BigInt(offsets[i]) <= BigInt(offsets[i - 1])) {
      throw new Error(`offsets not increasing at ${i}: ${offsets.join(', ')}`);
    }
  }
}
