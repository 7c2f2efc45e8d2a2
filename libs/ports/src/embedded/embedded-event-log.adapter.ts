import { DomainError, unavailable, validationFailed } from '@parley/domain';
import { AppendResult, Consumer, ConsumerOptions, EventLog } from '../event-log.port';
import { SqlDb } from '../sql.port';
import { OffsetCommitter } from './embedded-event-log.commits';
import { EventLogErrorContext, EventLogErrorHandler, PartitionLoop } from './embedded-event-log.partition-loop';
import { EventLogTables, NewRecord } from './embedded-event-log.tables';
import { PartitionTail } from './embedded-event-log.tail';
import { PartitionWriter } from './embedded-event-log.writer';
import { checkHeaders, checkTopic, serializeValue } from '../adapter-input-checks';

export { eventLogMigrations } from './embedded-event-log.tables';
export type { EventLogErrorContext, EventLogErrorHandler } from './embedded-event-log.partition-loop';

export interface EmbeddedEventLogOptions {
  /** Where records and committed offsets live (PGlite in standalone). Not closed by close(). */
  db: SqlDb;
  /** Partitions per topic. Keep it fixed for a data directory: it decides where each key goes. */
  partitions?: number;
  /** How often an idle consumer looks for records appended by someone else (appends in this process wake it at once). */
  pollIntervalMs?: number;
  /** Appends waiting for their commit, over all partitions, before append answers UNAVAILABLE. */
  maxPendingAppends?: number;
  /** Records always kept per partition by retention, whatever the groups have committed (at least 1). */
  retainLast?: number;
  /** How often retention runs; 0 turns the timer off (trim() can still be called). */
  retentionIntervalMs?: number;
  /**
   * How often the groups' handled positions are written (all in one statement); 0 writes each
   * batch's commit before the next fetch. A crash redelivers at most this long's batches.
   */
  commitIntervalMs?: number;
  /** Newest records kept in memory per partition, so caught-up consumers fetch without a query; 0: none. */
  tailRecords?: number;
  /** Bytes (values and keys) the in-memory tail of one partition may hold. */
  tailBytes?: number;
  /** First back-off after a failed batch; it doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Where consumer, callback and retention errors go. Default: one JSON line on stderr. */
  onError?: EventLogErrorHandler;
}

const DEFAULTS = {
  partitions: 16,
  pollIntervalMs: 1000,
  maxPendingAppends: 10_000,
  retainLast: 10_000,
  retentionIntervalMs: 60_000,
  commitIntervalMs: 100,
  tailRecords: 2000,
  tailBytes: 1 << 20,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
};
const DEFAULT_MAX_BATCH = 100;
const MAX_BATCH_LIMIT = 10_000;
const MAX_GROUP_LENGTH = 255;

/**
 * The partition of a key: 32-bit FNV-1a of its UTF-8 bytes, modulo the partition count. Stable
 * across processes and releases, because records already in the log were placed with it.
 */
export function partitionFor(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw validationFailed('partitions must be a positive integer');
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/** Consumers of one (group, topic): partitions are dealt round-robin in join order. */
interface Group {
  key: string;
  members: GroupMember[];
  /** Membership changes run one at a time, each to completion. */
  chain: Promise<void>;
  /** Changes queued or running. */
  pending: number;
}

class GroupMember implements Consumer {
  readonly owned = new Map<number, PartitionLoop<unknown>>();
  stopped: Promise<void> | null = null;

  constructor(
    readonly options: ConsumerOptions<unknown>,
    private readonly leave: (member: GroupMember) => Promise<void>,
  ) {}

  stop(): Promise<void> {
    this.stopped ??= this.leave(this);
    return this.stopped;
  }
}

/**
 * EventLog in this process, durable in the SQL database (PGlite in standalone), with Kafka's
 * guarantees as the port states them:
 *
 * - A key always lands in partitionFor(key) and an append resolves once its row is committed.
 *   Offsets are dense per partition: each partition has one in-memory append queue that assigns
 *   them, and queued appends are committed together in one INSERT.
 * - Consumers of one group split the partitions round-robin; a join or a stop rebalances, and a
 *   partition changes hands only after its previous owner's in-flight batch has finished, so each
 *   partition has one owner at a time. onRevoked/onAssigned receive the partitions that changed.
 * - One EmbeddedEventLog per database: ownership and offset assignment are coordinated in memory.
 *   It is also why each partition's newest records can be served from memory (PartitionTail): no
 *   other writer can add a record the tail has not seen.
 * - A consumer's handled position is committed after its handler resolved, batched over all
 *   partitions (OffsetCommitter) and always when it stops or loses a partition: delivery is at
 *   least once, as with Kafka, and a crash redelivers at most `commitIntervalMs` of batches.
 */
export class EmbeddedEventLog implements EventLog {
  private readonly db: SqlDb;
  private readonly tables: EventLogTables;
  private readonly partitions: number;
  private readonly settings: typeof DEFAULTS;
  private readonly onError: EventLogErrorHandler;
  private readonly writers = new Map<string, PartitionWriter>();
  private readonly groups = new Map<string, Group>();
  /** Running partition loops by topic and partition, woken by appends. */
  private readonly listeners = new Map<string, Set<PartitionLoop<unknown>>>();
  private pendingAppends = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly retentionTimer: NodeJS.Timeout | null;
  private trimming: Promise<number> | null = null;
  private readonly commits: OffsetCommitter;

  constructor(options: EmbeddedEventLogOptions) {
    this.db = options.db;
    this.tables = new EventLogTables(options.db);
    const s = { ...DEFAULTS };
    for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const value = options[name];
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 0) throw validationFailed(`${name} must be a non-negative integer`);
      s[name] = value;
    }
    if (s.partitions < 1 || s.pollIntervalMs < 1 || s.maxPendingAppends < 1 || s.retainLast < 1 || s.initialBackoffMs < 1) {
      throw validationFailed('partitions, pollIntervalMs, maxPendingAppends, retainLast and initialBackoffMs must be at least 1');
    }
    if (s.maxBackoffMs < s.initialBackoffMs) throw validationFailed('maxBackoffMs must be at least initialBackoffMs');
    this.settings = s;
    this.partitions = s.partitions;
    const report = options.onError ?? logToStderr;
    this.onError = (error, context) => {
      try {
        report(error, context);
      } catch (reportError) {
        logToStderr(reportError, context);
      }
    };
    this.commits = new OffsetCommitter(this.tables, s.commitIntervalMs, (error) => this.onError(error, { operation: 'commit' }));
    this.retentionTimer = s.retentionIntervalMs > 0 ? setInterval(() => this.retentionTick(), s.retentionIntervalMs) : null;
    this.retentionTimer?.unref();
  }

  append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(unavailable('event log is closed'));
    let record: NewRecord;
    try {
      checkTopic(topic);
      if (typeof key !== 'string') throw validationFailed('key must be a string');
      record = { key, valueJson: serializeValue(value), headers: checkHeaders(headers), timestamp: Date.now() };
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.pendingAppends >= this.settings.maxPendingAppends) {
      return Promise.reject(new DomainError('UNAVAILABLE', 'event log append queue is full'));
    }
    this.pendingAppends++;
    return this.writerFor(topic, partitionFor(key, this.partitions)).append(record);
  }

  async consume<T>(options: ConsumerOptions<T>): Promise<Consumer> {
    if (this.closed) throw unavailable('event log is closed');
    checkTopic(options.topic);
    if (typeof options.group !== 'string' || options.group.length === 0 || options.group.length > MAX_GROUP_LENGTH) {
      throw validationFailed(`group must be 1..${MAX_GROUP_LENGTH} characters`);
    }
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
      throw validationFailed(`maxBatch must be an integer in 1..${MAX_BATCH_LIMIT}`);
    }
    if (typeof options.handleBatch !== 'function') throw validationFailed('handleBatch is required');
    const groupKey = `${options.group}\u0000${options.topic}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      group = { key: groupKey, members: [], chain: Promise.resolve(), pending: 0 };
      this.groups.set(groupKey, group);
    }
    const joined = group;
    const member = new GroupMember(options as ConsumerOptions<unknown>, (m) => this.leave(joined, m));
    await this.changeMembership(joined, () => joined.members.push(member), []);
    return member;
  }

  async healthy(): Promise<boolean> {
    return !this.closed && (await this.db.healthy());
  }

  /** Stops every consumer (each finishing its batch in flight) and settles every queued append. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Retention: deletes what every group of a topic has handled, keeping the newest `retainLast`
   * records of each partition. Runs on its timer; callable directly. Returns the rows deleted.
   */
  trim(): Promise<number> {
    this.trimming ??= this.tables.trim(this.settings.retainLast).finally(() => {
      this.trimming = null;
    });
    return this.trimming;
  }

  private writerFor(topic: string, partition: number): PartitionWriter {
    const id = `${topic}\u0000${partition}`;
    let writer = this.writers.get(id);
    if (!writer) {
      writer = new PartitionWriter(this.tables, topic, partition, new PartitionTail({ records: this.settings.tailRecords, bytes: this.settings.tailBytes }), {
        written: () => this.wake(topic, partition),
        settled: (count) => {
          this.pendingAppends -= count;
        },
      });
      this.writers.set(id, writer);
    }
    return writer;
  }

  private wake(topic: string, partition: number): void {
    for (const loop of this.listeners.get(`${topic}\u0000${partition}`) ?? []) loop.dataArrived();
  }

  private leave(group: Group, member: GroupMember): Promise<void> {
    return this.changeMembership(
      group,
      () => {
        group.members = group.members.filter((m) => m !== member);
      },
      [member],
    );
  }

  /**
   * Applies a membership change and rebalances: first every member gives up the partitions it
   * loses (waiting for their in-flight batches), then the new owners start. Changes of one group
   * are serialized; the returned promise settles when this change has been applied.
   */
  private changeMembership(group: Group, change: () => void, departing: GroupMember[]): Promise<void> {
    group.pending++;
    const step = group.chain.then(async () => {
      change();
      const target = new Map<GroupMember, number[]>();
      for (const m of group.members) target.set(m, []);
      for (let p = 0; p < this.partitions && group.members.length > 0; p++) {
        target.get(group.members[p % group.members.length])?.push(p);
      }
      for (const m of departing) target.set(m, []);
      await Promise.all([...target].map(([m, keep]) => this.revoke(m, keep)));
      for (const m of group.members) this.assign(m, target.get(m) ?? []);
    });
    const settled = step.finally(() => {
      group.pending--;
      // Forget an empty group only when no join is queued behind this change.
      if (group.members.length === 0 && group.pending === 0 && this.groups.get(group.key) === group) this.groups.delete(group.key);
    });
    // The next change waits for this one whether it failed or not; its failure reaches the caller through `settled`.
    group.chain = settled.then(
      () => undefined,
      () => undefined,
    );
    return settled;
  }

  private async revoke(member: GroupMember, keep: readonly number[]): Promise<void> {
    const lost = [...member.owned.values()].filter((loop) => !keep.includes(loop.partition));
    if (lost.length === 0) return;
    await Promise.all(lost.map((loop) => loop.stop()));
    for (const loop of lost) {
      member.owned.delete(loop.partition);
      const id = `${member.options.topic}\u0000${loop.partition}`;
      const set = this.listeners.get(id);
      set?.delete(loop);
      if (set?.size === 0) this.listeners.delete(id);
    }
    this.callback(member, 'onRevoked', lost.map((l) => l.partition));
  }

  private assign(member: GroupMember, target: readonly number[]): void {
    const gained = target.filter((p) => !member.owned.has(p));
    // While closing, members leave one by one: the ones left must not pick up the leavers' partitions.
    if (gained.length === 0 || this.closed) return;
    this.callback(member, 'onAssigned', gained);
    const { options } = member;
    for (const partition of gained) {
      const writer = this.writerFor(options.topic, partition);
      const loop = new PartitionLoop<unknown>(this.tables, {
        group: options.group,
        topic: options.topic,
        partition,
        fromBeginning: options.fromBeginning ?? true,
        maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
        pollIntervalMs: this.settings.pollIntervalMs,
        initialBackoffMs: this.settings.initialBackoffMs,
        maxBackoffMs: this.settings.maxBackoffMs,
        handleBatch: (records) => options.handleBatch(records),
        onError: this.onError,
        tail: writer.tail,
        headSeen: (next) => writer.headSeen(next),
        commits: this.commits,
        commitEachBatch: this.settings.commitIntervalMs === 0,
      });
      member.owned.set(partition, loop);
      const id = `${options.topic}\u0000${partition}`;
      let set = this.listeners.get(id);
      if (!set) {
        set = new Set();
        this.listeners.set(id, set);
      }
      set.add(loop);
    }
  }

  private callback(member: GroupMember, name: 'onAssigned' | 'onRevoked', partitions: number[]): void {
    const { options } = member;
    try {
      options[name]?.(partitions);
    } catch (error) {
      this.onError(error, { operation: 'callback', group: options.group, topic: options.topic });
    }
  }

  private retentionTick(): void {
    if (this.closed || this.trimming) return;
    this.trim().catch((error: unknown) => this.onError(error, { operation: 'retention' }));
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    const members = [...this.groups.values()].flatMap((g) => g.members);
    await Promise.all(members.map((m) => m.stop()));
    this.commits.stop();
    await this.commits.flush().catch((error: unknown) => this.onError(error, { operation: 'commit' }));
    await Promise.all([...this.writers.values()].map((w) => w.drained()));
    await this.trimming?.catch(() => undefined);
  }
}

function logToStderr(error: unknown, context: EventLogErrorContext): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'embedded event log error', ...context, error: message })}\n`);
}
