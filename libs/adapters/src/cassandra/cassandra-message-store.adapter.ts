import { Message, unavailable, validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { Client, QueryOptions, auth, policies, types } from 'cassandra-driver';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { withTimeout } from '../shared/adapter-errors';
import { TlsFileOptions, tlsConnectionOptions } from '../shared/tls-files';
import { bodyColumn, checkId, checkMessage, checkNonNegativeInteger, checkOneConversation, checkPositiveInteger, fromBodyColumn, MessageStore, SeqConflictError } from '@parley/ports';
import { MESSAGE_BUCKET_SIZE, bucketOf, checkKeyspace, ensureMessageStoreSchema, verifyMessageStoreSchema } from './cassandra-message-store.schema';
import { rowBatches } from './cassandra-row-batches';
import { mapCassandraError } from './cassandra-errors';

export { mapCassandraError };
import { clearIdleTimerOnClose, unrefHostHealthTimer, unrefReconnectionTimer } from './cassandra-driver-fixes';

clearIdleTimerOnClose();
unrefHostHealthTimer();
unrefReconnectionTimer();

export interface CassandraMessageStoreOptions {
  /** A connected client; close() leaves it open unless the store opened it itself. */
  client: Client;
  keyspace: string;
  /** Messages per partition; must match what the keyspace was written with. */
  bucketSize?: number;
  /** Bound on each read or write (the driver's per-request read timeout). */
  requestTimeoutMs?: number;
  /** (conversation, bucket) pairs remembered as written, so insert skips re-writing them. */
  knownBucketsCacheSize?: number;
  logger?: Logger;
}

export interface CassandraConnectOptions extends Omit<CassandraMessageStoreOptions, 'client'> {
  /** host or host:port */
  contactPoints: string[];
  localDataCenter: string;
  /** Bound on opening the first connection. */
  connectTimeoutMs?: number;
  /** Creates the keyspace and tables when missing. */
  createSchema?: boolean;
  /** Checks that the keyspace and tables exist, creating nothing (fails the connect otherwise). */
  verifySchema?: boolean;
  replicationFactor?: number;
  /** NetworkTopologyStrategy replicas per data center for a keyspace this creates. */
  replication?: Record<string, number>;
  /** Credentials for PasswordAuthenticator (Cassandra) or ScyllaDB's equivalent. */
  credentials?: { username: string; password: string };
  /** Client-to-node encryption; the chain is verified, the node's name too unless verifyHostname is false. */
  tls?: TlsFileOptions & { verifyHostname?: boolean };
}

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_KNOWN_BUCKETS = 100_000;
const HEALTH_TIMEOUT_MS = 1000;
/** Largest page a read returns (also the driver's fetch size, so one request answers it). */
export const MAX_PAGE = 10_000;
/** Bucket ids read per step when walking a conversation's buckets. */
const BUCKETS_PER_STEP = 8;

interface MessageRow {
  id: string;
  conversation_id: string;
  seq: types.Long;
  sender_id: string;
  client_msg_id: string;
  body: string;
  created_at: Date;
}

const COLUMNS = 'id, conversation_id, seq, sender_id, client_msg_id, body, created_at';

/**
 * MessageStore on Cassandra / ScyllaDB (see cassandra-message-store.schema.ts for the tables).
 *
 * Every statement is prepared and runs at LOCAL_QUORUM; writes are marked idempotent so the
 * driver may retry them (each is a plain upsert of the same values). A cluster that cannot
 * answer surfaces as DomainError UNAVAILABLE within requestTimeoutMs.
 *
 * - insertClaimed (the sequencer's path): writes only; the send ledger has already made the seq
 *   and the client_msg_id this message's alone. The ledger, not this store, maps (sender,
 *   client_msg_id) to a seq, so a message is one row (plus its bucket's row, once per bucket):
 *   there is no client_msg_id index to keep (a repeat is read back with atSeq, by its claim's seq).
 * - insert: reads, then writes. A row at (conversation, seq) with the same id means "already
 *   stored" (no-op); with another id it is a SeqConflictError, and the stored row is kept.
 *   Cassandra's INSERT is an upsert and would silently overwrite, so the conflict is found by
 *   reading first. That read-then-write is sound because the sequencer that owns the
 *   conversation's ingress partition is its single writer: nothing else writes that seq between
 *   the read and the write. Two owners overlapping during a partition takeover is handled above
 *   this store (processing is deterministic, so both write the same row; see docs/adr); a
 *   lightweight transaction (IF NOT EXISTS, a Paxos round per message) is not used on this hot path.
 * - Write order: the bucket row first, the message rows last. A crash in between leaves a bucket
 *   without messages, which reads skip (lastSeq and paging look at message rows); re-running the
 *   write completes it.
 * - lastSeq is derived from the data: the highest seq in the newest non-empty bucket. No counter,
 *   no separately maintained "last" cell that a late writer could move backwards.
 */
export class CassandraMessageStore implements MessageStore {
  private readonly client: Client;
  private readonly bucketSize: number;
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger;
  private readonly knownBuckets = new Map<string, true>();
  private readonly knownBucketsCacheSize: number;
  private readonly cql: ReturnType<typeof statements>;
  private closed = false;
  private ownsClient = false;

  constructor(options: CassandraMessageStoreOptions) {
    if (!(options?.client instanceof Client)) throw validationFailed('client must be a cassandra-driver Client');
    checkKeyspace(options.keyspace);
    this.client = options.client;
    this.bucketSize = options.bucketSize ?? MESSAGE_BUCKET_SIZE;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.knownBucketsCacheSize = options.knownBucketsCacheSize ?? DEFAULT_KNOWN_BUCKETS;
    checkPositiveInteger('bucketSize', this.bucketSize);
    checkPositiveInteger('requestTimeoutMs', this.requestTimeoutMs);
    checkNonNegativeInteger('knownBucketsCacheSize', this.knownBucketsCacheSize);
    this.logger = options.logger ?? defaultAdapterLogger('cassandra');
    this.cql = statements(options.keyspace);
  }

  /**
   * Opens a client for the store (closed by close()), with bounded connect and request timeouts,
   * and creates the schema when asked. Rejects with UNAVAILABLE when no contact point answers.
   */
  static async connect(options: CassandraConnectOptions): Promise<CassandraMessageStore> {
    if (!Array.isArray(options.contactPoints) || options.contactPoints.length === 0) throw validationFailed('contactPoints must not be empty');
    if (typeof options.localDataCenter !== 'string' || options.localDataCenter.length === 0) throw validationFailed('localDataCenter is required');
    checkKeyspace(options.keyspace);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    checkPositiveInteger('connectTimeoutMs', connectTimeoutMs);
    const client = new Client({
      contactPoints: options.contactPoints,
      localDataCenter: options.localDataCenter,
      socketOptions: { connectTimeout: connectTimeoutMs, readTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
      queryOptions: { consistency: types.consistencies.localQuorum, prepare: true },
      policies: { reconnection: new policies.reconnection.ExponentialReconnectionPolicy(500, 10_000, false) },
      protocolOptions: { maxSchemaAgreementWaitSeconds: 10 },
      ...(options.tls ? { sslOptions: tlsConnectionOptions(options.tls, options.tls.verifyHostname ?? true) } : {}),
      ...(options.credentials ? { authProvider: new auth.PlainTextAuthProvider(options.credentials.username, options.credentials.password) } : {}),
    });
    const connecting = client.connect();
    try {
      // The driver tries each contact point once, each bounded by connectTimeout.
      await withTimeout(connecting, connectTimeoutMs * (options.contactPoints.length + 1), 'cassandra connect');
      if (options.createSchema) await ensureMessageStoreSchema(client, { keyspace: options.keyspace, replicationFactor: options.replicationFactor, replication: options.replication });
      else if (options.verifySchema) await verifyMessageStoreSchema(client, options.keyspace);
    } catch (error) {
      // A shutdown() while connect() still runs is undone by it: the connect goes on to open the
      // hosts' pools and their timers after the shutdown. Shut down once the attempt has settled
      // (bounded by the driver's own timeouts), in the background.
      const logShutdownError = (shutdownError: unknown) => options.logger?.debug('cassandra shutdown failed', { err: shutdownError });
      void connecting.then(noop, noop).then(() => client.shutdown()).catch(logShutdownError);
      throw mapCassandraError(error);
    }
    const store = new CassandraMessageStore({ ...options, client });
    store.ownsClient = true;
    return store;
  }

  async insert(message: Message): Promise<void> {
    checkMessage(message);
    const { conversation_id: conversationId, seq } = message;
    const bucket = bucketOf(seq, this.bucketSize);
    const [stored] = await this.read<{ id: string }>(this.cql.idAtSeq, [conversationId, bucket, seq], 1);
    if (stored) {
      if (stored.id === message.id) return;
      throw new SeqConflictError(conversationId, seq, stored.id, message.id);
    }
    await this.rememberBucket(conversationId, bucket);
    await this.write(this.cql.insertMessage, this.messageParams(message));
  }

  /**
   * No read: the bucket rows first (once per bucket this process has not written), then the
   * message rows as single-partition batches in ascending seq (a batch on one partition is applied
   * atomically and isolated), so the rows of a call appear in seq order.
   */
  async insertClaimed(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    checkOneConversation(messages);
    const conversationId = messages[0].conversation_id;
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    const buckets = [...new Set(sorted.map((m) => bucketOf(m.seq, this.bucketSize)))];
    await Promise.all(buckets.map((bucket) => this.rememberBucket(conversationId, bucket)));
    for (const chunk of rowBatches(sorted, this.bucketSize)) {
      const queries = chunk.map((m) => ({ query: this.cql.insertMessage, params: this.messageParams(m) }));
      if (queries.length === 1) await this.write(queries[0].query, queries[0].params);
      else await this.batch(queries);
    }
  }

  /** An upsert of the message row (the index rows do not change). */
  async rewrite(message: Message): Promise<void> {
    checkMessage(message);
    await this.write(this.cql.insertMessage, this.messageParams(message));
  }

  async atSeq(conversationId: string, seq: number): Promise<Message | null> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('seq', seq);
    const [row] = await this.read<MessageRow>(this.cql.messageAtSeq, [conversationId, bucketOf(seq, this.bucketSize), seq], 1);
    return row ? toMessage(row) : null;
  }

  async lastSeq(conversationId: string): Promise<number> {
    checkId('conversationId', conversationId);
    for await (const bucket of this.buckets(conversationId, 'down', Number.MAX_SAFE_INTEGER)) {
      const [row] = await this.read<{ seq: types.Long }>(this.cql.lastSeqInBucket, [conversationId, bucket], 1);
      if (row) return toNumber(row.seq);
    }
    return 0;
  }

  async after(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('afterSeq', afterSeq);
    checkLimit(limit);
    const out: Message[] = [];
    if (limit === 0) return out;
    for await (const bucket of this.buckets(conversationId, 'up', bucketOf(afterSeq + 1, this.bucketSize))) {
      const rows = await this.read<MessageRow>(this.cql.afterInBucket, [conversationId, bucket, afterSeq, limit - out.length], limit - out.length);
      out.push(...rows.map(toMessage));
      if (out.length >= limit) break;
    }
    return out;
  }

  async before(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]> {
    checkId('conversationId', conversationId);
    checkNonNegativeInteger('beforeSeq', beforeSeq);
    checkLimit(limit);
    return this.descending(conversationId, beforeSeq, limit);
  }

  async latest(conversationId: string, limit: number): Promise<Message[]> {
    checkId('conversationId', conversationId);
    checkLimit(limit);
    return this.descending(conversationId, Number.MAX_SAFE_INTEGER, limit);
  }

  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const query = this.client.execute('SELECT release_version FROM system.local', [], {
        prepare: true,
        consistency: types.consistencies.localOne,
        readTimeout: HEALTH_TIMEOUT_MS,
        isIdempotent: true,
      });
      await withTimeout(query, HEALTH_TIMEOUT_MS + 250, 'cassandra health check');
      return true;
    } catch (error) {
      this.logger.debug('cassandra health check failed', { err: error });
      return false;
    }
  }

  /** Later calls answer UNAVAILABLE; a client this store opened is shut down. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await this.client.shutdown();
  }

  /** The `limit` messages just below `beforeSeq`, walking buckets down, returned ascending. */
  private async descending(conversationId: string, beforeSeq: number, limit: number): Promise<Message[]> {
    const out: Message[] = [];
    if (limit === 0 || beforeSeq <= 1) return out;
    for await (const bucket of this.buckets(conversationId, 'down', bucketOf(beforeSeq - 1, this.bucketSize))) {
      const rows = await this.read<MessageRow>(this.cql.beforeInBucket, [conversationId, bucket, beforeSeq, limit - out.length], limit - out.length);
      out.push(...rows.map(toMessage));
      if (out.length >= limit) break;
    }
    return out.reverse();
  }

  /** The conversation's buckets from `from` (inclusive) up or down, read a few at a time. */
  private async *buckets(conversationId: string, direction: 'up' | 'down', from: number): AsyncGenerator<number> {
    let cursor = from;
    for (;;) {
      const statement = direction === 'up' ? this.cql.bucketsUp : this.cql.bucketsDown;
      const rows = await this.read<{ bucket: types.Long }>(statement, [conversationId, cursor, BUCKETS_PER_STEP], BUCKETS_PER_STEP);
      for (const row of rows) yield toNumber(row.bucket);
      if (rows.length < BUCKETS_PER_STEP) return;
      const last = toNumber(rows[rows.length - 1].bucket);
      cursor = direction === 'up' ? last + 1 : last - 1;
      if (cursor < 0) return;
    }
  }

  private async rememberBucket(conversationId: string, bucket: number): Promise<void> {
    const key = `${conversationId}\u0000${bucket}`;
    if (this.knownBuckets.has(key)) return;
    await this.write(this.cql.insertBucket, [conversationId, bucket]);
    if (this.knownBucketsCacheSize === 0) return;
    if (this.knownBuckets.size >= this.knownBucketsCacheSize) {
      const oldest = this.knownBuckets.keys().next();
      if (!oldest.done) this.knownBuckets.delete(oldest.value);
    }
    this.knownBuckets.set(key, true);
  }

  private messageParams(m: Message): unknown[] {
    const bucket = bucketOf(m.seq, this.bucketSize);
    return [m.conversation_id, bucket, m.seq, m.id, m.sender_id, m.client_msg_id, bodyColumn(m), new Date(m.created_at)];
  }

  private async batch(queries: Array<{ query: string; params: unknown[] }>): Promise<void> {
    if (this.closed) throw unavailable('message store is closed');
    try {
      const consistency = types.consistencies.localQuorum;
      await this.client.batch(queries, { prepare: true, logged: false, consistency, readTimeout: this.requestTimeoutMs, isIdempotent: true });
    } catch (error) {
      throw mapCassandraError(error);
    }
  }

  private async read<R>(query: string, params: unknown[], fetchSize: number): Promise<R[]> {
    const result = await this.execute(query, params, { fetchSize: Math.max(fetchSize, 1), isIdempotent: true });
    return result.rows as unknown as R[];
  }

  private async write(query: string, params: unknown[]): Promise<void> {
    await this.execute(query, params, { isIdempotent: true });
  }

  private async execute(query: string, params: unknown[], options: QueryOptions): Promise<types.ResultSet> {
    if (this.closed) throw unavailable('message store is closed');
    try {
      return await this.client.execute(query, params, {
        prepare: true,
        consistency: types.consistencies.localQuorum,
        readTimeout: this.requestTimeoutMs,
        ...options,
      });
    } catch (error) {
      throw mapCassandraError(error);
    }
  }
}

function statements(keyspace: string) {
  const messages = `${keyspace}.messages_by_conversation`;
  const buckets = `${keyspace}.message_buckets_by_conversation`;
  return {
    idAtSeq: `SELECT id FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq = ?`,
    messageAtSeq: `SELECT ${COLUMNS} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq = ?`,
    insertMessage: `INSERT INTO ${messages} (conversation_id, bucket, seq, id, sender_id, client_msg_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    insertBucket: `INSERT INTO ${buckets} (conversation_id, bucket) VALUES (?, ?)`,
    bucketsUp: `SELECT bucket FROM ${buckets} WHERE conversation_id = ? AND bucket >= ? ORDER BY bucket ASC LIMIT ?`,
    bucketsDown: `SELECT bucket FROM ${buckets} WHERE conversation_id = ? AND bucket <= ? ORDER BY bucket DESC LIMIT ?`,
    lastSeqInBucket: `SELECT seq FROM ${messages} WHERE conversation_id = ? AND bucket = ? ORDER BY seq DESC LIMIT 1`,
    afterInBucket: `SELECT ${COLUMNS} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq > ? ORDER BY seq ASC LIMIT ?`,
    beforeInBucket: `SELECT ${COLUMNS} FROM ${messages} WHERE conversation_id = ? AND bucket = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
  };
}

function noop(): void {}

function toNumber(value: types.Long | number): number {
  return typeof value === 'number' ? value : value.toNumber();
}

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    seq: toNumber(row.seq),
    sender_id: row.sender_id,
    client_msg_id: row.client_msg_id,
    ...fromBodyColumn(JSON.parse(row.body)),
    created_at: row.created_at.toISOString(),
  };
}

function checkLimit(limit: unknown): asserts limit is number {
  checkNonNegativeInteger('limit', limit);
  if (limit > MAX_PAGE) throw validationFailed(`limit must be at most ${MAX_PAGE}`);
}

