import { DomainError, unavailable, validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { Admin, Kafka, LogEntry, RetryOptions, SASLOptions, logLevel as KafkaLogLevel } from 'kafkajs';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { withTimeout } from '../shared/adapter-errors';
import { TlsFileOptions, tlsConnectionOptions } from '../shared/tls-files';
import { AppendResult, checkHeaders, checkPositiveInteger, checkTopic, Consumer, ConsumerOptions, EventLog, serializeValue } from '@parley/ports';
import { AppendBatcher } from './kafka-append-batcher';
import { mapKafkaError } from './kafka-errors';
import { KafkaGroupConsumer } from './kafka-group-consumer';

export interface KafkaEventLogOptions {
  /** Bootstrap brokers, host:port. */
  brokers: string[];
  clientId?: string;
  /** Bound on opening a TCP connection to a broker. */
  connectionTimeoutMs?: number;
  /** Bound on each request's answer (and the broker's acks=all wait). */
  requestTimeoutMs?: number;
  /** Retries of a failed request (produce, join, commit, admin) before it fails; 100 ms doubling to 1 s apart. */
  retries?: number;
  /** Appends queued or in flight, beyond which append answers UNAVAILABLE at once. */
  maxPendingAppends?: number;
  /** Records per produce request. */
  maxBatchRecords?: number;
  /** Bytes per produce request. */
  maxBatchBytes?: number;
  /** Largest record (key, value and headers); keep it under the broker's message.max.bytes. */
  maxRecordBytes?: number;
  /** An append not yet sent after this long is refused with UNAVAILABLE. */
  appendTimeoutMs?: number;
  /** A consumer that misses heartbeats this long is dropped from its group. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits at the broker for new records. */
  fetchMaxWaitMs?: number;
  /**
   * Partitions a consumer handles at once (each still in its own order). One serializes every
   * conversation of a consumer behind the slowest; several let independent conversations go on
   * while one waits on its database round trips.
   */
  concurrentPartitions?: number;
  /** Back-off of a partition after a failed batch: initial, doubling up to max. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Bound on healthy()'s metadata request. */
  healthTimeoutMs?: number;
  /** kafkajs's own log lines at this level and above go to the logger. */
  kafkaLogLevel?: 'error' | 'warn' | 'info' | 'debug';
  logger?: Logger;
  /**
   * Put before every topic name and consumer group on the wire (e.g. a Helm release's name and a
   * dot), so that two installs share one Kafka; callers and records keep the plain names.
   */
  namePrefix?: string;
  /** SASL/SCRAM credentials (a broker's SASL_PLAINTEXT listener): SCRAM never sends the password itself. */
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** TLS to the brokers (an SSL or, with sasl, SASL_SSL listener); the broker certificate and name are verified. */
  tls?: TlsFileOptions;
}

export interface EnsureTopicsOptions {
  topics: readonly string[];
  partitions: number;
  replicationFactor: number;
  /** min.insync.replicas of topics this creates (2 with a replication factor of 3); default: the broker's. */
  minInsyncReplicas?: number;
}

const DEFAULTS = {
  connectionTimeoutMs: 3000,
  requestTimeoutMs: 5000,
  retries: 3,
  maxPendingAppends: 10_000,
  maxBatchRecords: 500,
  maxBatchBytes: 512 * 1024,
  maxRecordBytes: 900 * 1024,
  appendTimeoutMs: 10_000,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  fetchMaxWaitMs: 500,
  concurrentPartitions: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
  healthTimeoutMs: 2000,
};
const DEFAULT_MAX_BATCH = 100;
const MAX_BATCH_LIMIT = 10_000;
const MAX_GROUP_LENGTH = 255;
const KAFKA_LOG_LEVELS = { error: KafkaLogLevel.ERROR, warn: KafkaLogLevel.WARN, info: KafkaLogLevel.INFO, debug: KafkaLogLevel.DEBUG };

/**
 * EventLog on Kafka with kafkajs, keeping the port's guarantees:
 *
 * - append: an idempotent producer (acks=all, one request in flight per broker) that resolves once
 *   the record is in the in-sync replicas. Records are keyed; kafkajs's default partitioner is
 *   murmur2 like Java's, so a key lands in the same partition from any client. Values are JSON,
 *   headers strings (a W3C `traceparent` passes through as is). Concurrent appends share produce
 *   requests (see AppendBatcher).
 * - consume: one kafkajs consumer per call, committing after work (see KafkaGroupConsumer).
 * - Everything is bounded: connect and request timeouts, a bounded number of retries, a bounded
 *   append queue. A cluster that is down surfaces as DomainError UNAVAILABLE within seconds.
 */
export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly batcher: AppendBatcher;
  private readonly settings: typeof DEFAULTS;
  private readonly logger: Logger;
  private readonly retry: RetryOptions;
  private readonly consumers = new Set<KafkaGroupConsumer<unknown>>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly prefix: string;

  private constructor(options: KafkaEventLogOptions) {
    if (!Array.isArray(options?.brokers) || options.brokers.length === 0 || !options.brokers.every((b) => typeof b === 'string' && /^[^:]+:\d+$/.test(b))) {
      throw validationFailed('brokers must be a non-empty list of host:port');
    }
    const s = { ...DEFAULTS };
    for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
      const value = options[name];
      if (value === undefined) continue;
      if (name === 'retries' ? !Number.isInteger(value) || value < 0 || value > 20 : !Number.isInteger(value) || value < 1) {
        throw validationFailed(`${name} must be a ${name === 'retries' ? 'integer in 0..20' : 'positive integer'}`);
      }
      s[name] = value;
    }
    if (s.maxBackoffMs < s.initialBackoffMs) throw validationFailed('maxBackoffMs must be at least initialBackoffMs');
    if (s.heartbeatIntervalMs * 3 > s.sessionTimeoutMs) throw validationFailed('heartbeatIntervalMs must be at most a third of sessionTimeoutMs');
    this.settings = s;
    this.prefix = options.namePrefix ?? '';
    if (!/^[A-Za-z0-9._-]{0,100}$/.test(this.prefix)) throw validationFailed('namePrefix must be at most 100 characters of [A-Za-z0-9._-]');
    const logger = options.logger ?? defaultAdapterLogger('kafka');
    this.logger = logger;
    this.retry = { retries: s.retries, initialRetryTime: 100, maxRetryTime: 1000 };
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'parley',
      brokers: options.brokers,
      connectionTimeout: s.connectionTimeoutMs,
      requestTimeout: s.requestTimeoutMs,
      enforceRequestTimeout: true,
      retry: this.retry,
      logLevel: KAFKA_LOG_LEVELS[options.kafkaLogLevel ?? 'error'],
      logCreator: () => (entry: LogEntry) => routeKafkaLog(logger, entry),
      ...(options.sasl ? { sasl: checkSasl(options.sasl) } : {}),
      ...(options.tls ? { ssl: tlsConnectionOptions(options.tls) } : {}),
    });
    this.admin = this.kafka.admin({ retry: this.retry });
    this.batcher = new AppendBatcher(
      {
        maxPendingAppends: s.maxPendingAppends,
        maxBatchRecords: s.maxBatchRecords,
        maxBatchBytes: s.maxBatchBytes,
        appendTimeoutMs: s.appendTimeoutMs,
        ackTimeoutMs: s.requestTimeoutMs,
      },
      async (createPartitioner) => {
        const producer = this.kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
          createPartitioner,
          retry: this.retry,
        });
        try {
          await producer.connect();
        } catch (error) {
          await producer.disconnect().catch((e: unknown) => logger.debug('kafka producer disconnect failed', { err: e }));
          throw mapKafkaError(error);
        }
        return producer;
      },
      logger,
    );
  }

  /** Connects a producer and an admin client; UNAVAILABLE when no broker answers. */
  static async connect(options: KafkaEventLogOptions): Promise<KafkaEventLog> {
    const log = new KafkaEventLog(options);
    try {
      await Promise.all([log.batcher.start(), log.admin.connect()]);
    } catch (error) {
      await log.close();
      throw mapKafkaError(error);
    }
    return log;
  }

  append<T>(topic: string, key: string, value: T, headers: Record<string, string> = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(unavailable('event log is closed'));
    try {
      checkTopic(topic);
      if (typeof key !== 'string') throw validationFailed('key must be a string');
      const json = serializeValue(value);
      const checked = checkHeaders(headers);
      const bytes =
        Buffer.byteLength(key) + Buffer.byteLength(json) + Object.entries(checked).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      if (bytes > this.settings.maxRecordBytes) throw new DomainError('PAYLOAD_TOO_LARGE', `record of ${bytes} bytes is over ${this.settings.maxRecordBytes}`);
      return this.batcher.append(this.prefix + topic, { key, value: json, headers: checked, timestamp: String(Date.now()) }, bytes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async consume<T>(options: ConsumerOptions<T>): Promise<Consumer> {
    if (this.closed) throw unavailable('event log is closed');
    checkTopic(options?.topic);
    if (typeof options.group !== 'string' || options.group.length === 0 || options.group.length > MAX_GROUP_LENGTH) {
      throw validationFailed(`group must be 1..${MAX_GROUP_LENGTH} characters`);
    }
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) throw validationFailed(`maxBatch must be an integer in 1..${MAX_BATCH_LIMIT}`);
    if (typeof options.handleBatch !== 'function') throw validationFailed('handleBatch is required');
    const s = this.settings;
    const { prefix } = this;
    const onWire: ConsumerOptions<T> = prefix
      ? {
          ...options,
          group: prefix + options.group,
          topic: prefix + options.topic,
          handleBatch: (records) => options.handleBatch(records.map((r) => ({ ...r, topic: options.topic }))),
        }
      : options;
    const consumer = new KafkaGroupConsumer<T>(
      this.kafka,
      onWire,
      {
        sessionTimeoutMs: s.sessionTimeoutMs,
        heartbeatIntervalMs: s.heartbeatIntervalMs,
        maxWaitMs: s.fetchMaxWaitMs,
        initialBackoffMs: s.initialBackoffMs,
        maxBackoffMs: s.maxBackoffMs,
        // Connect plus a join, which waits for the other members to rejoin (at most a session timeout).
        startTimeoutMs: s.connectionTimeoutMs + s.requestTimeoutMs * (s.retries + 1) + s.sessionTimeoutMs,
        retry: this.retry,
        defaultMaxBatch: DEFAULT_MAX_BATCH,
        concurrentPartitions: s.concurrentPartitions,
      },
      this.logger,
      (stopped) => this.consumers.delete(stopped as KafkaGroupConsumer<unknown>),
    );
    this.consumers.add(consumer as KafkaGroupConsumer<unknown>);
    await consumer.start();
    return consumer;
  }

  /**
   * Creates missing topics (idempotent). An existing topic is left as it is, even with another
   * partition count: changing it would move keys to other partitions. Returns the topics created.
   */
  async ensureTopics(options: EnsureTopicsOptions): Promise<string[]> {
    if (this.closed) throw unavailable('event log is closed');
    if (!Array.isArray(options?.topics) || options.topics.length === 0) throw validationFailed('topics must be a non-empty list');
    options.topics.forEach(checkTopic);
    checkPositiveInteger('partitions', options.partitions, 10_000);
    checkPositiveInteger('replicationFactor', options.replicationFactor, 16);
    if (options.minInsyncReplicas !== undefined) checkPositiveInteger('minInsyncReplicas', options.minInsyncReplicas, options.replicationFactor);
    const topics = options.topics.map((t) => this.prefix + t);
    const configEntries = options.minInsyncReplicas === undefined ? [] : [{ name: 'min.insync.replicas', value: String(options.minInsyncReplicas) }];
    // Several processes start at once: a topic another one just created may not be on every broker's
    // metadata yet ("does not host this topic-partition"), and a cluster just started may still be
    // loading its coordinators. Such answers are retriable: a few tries, then the error.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureTopicsOnce(topics, options, configEntries);
      } catch (error) {
        if (attempt >= ENSURE_TOPICS_ATTEMPTS || !isRetriable(error)) throw mapKafkaError(error);
        this.logger.warn('kafka topics not settled yet; trying again', { attempt, err: error });
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  private async ensureTopicsOnce(topics: string[], options: EnsureTopicsOptions, configEntries: Array<{ name: string; value: string }>): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        timeout: this.settings.requestTimeoutMs,
        topics: missing.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor, configEntries })),
      });
    }
    const metadata = await this.admin.fetchTopicMetadata({ topics });
    for (const t of metadata.topics) {
      if (t.partitions.length !== options.partitions) {
        this.logger.warn('kafka topic has another partition count than configured; left as it is', {
          topic: t.name,
          partitions: t.partitions.length,
          configured: options.partitions,
        });
      }
    }
    return missing;
  }

  /**
   * Checks, without creating anything, that the topics exist (a process started with
   * PARLEY_SCHEMA_SETUP=verify: the setup job made them). Throws naming the missing ones.
   */
  async verifyTopics(topics: readonly string[]): Promise<void> {
    if (this.closed) throw unavailable('event log is closed');
    topics.forEach(checkTopic);
    let existing: Set<string>;
    try {
      existing = new Set(await this.admin.listTopics());
    } catch (error) {
      throw mapKafkaError(error);
    }
    const missing = topics.map((t) => this.prefix + t).filter((t) => !existing.has(t));
    if (missing.length > 0) throw new Error(`kafka topics missing: ${missing.join(', ')} (run the setup job, or PARLEY_SCHEMA_SETUP=create)`);
  }

  /**
   * Open, no consumer given up by kafkajs, a producer connected (reconnected here after a failed
   * request, so readiness comes back without waiting for traffic), and the cluster answering a
   * metadata request, all within healthTimeoutMs.
   */
  async healthy(): Promise<boolean> {
    if (this.closed) return false;
    const failed = [...this.consumers].find((c) => c.failure !== null);
    if (failed) return false;
    try {
      const checks = Promise.all([this.batcher.connected ? null : this.batcher.start(), this.admin.describeCluster()]);
      await withTimeout(checks, this.settings.healthTimeoutMs, 'kafka health check');
      return true;
    } catch (error) {
      this.logger.debug('kafka health check failed', { err: error });
      return false;
    }
  }

  /** Stops every consumer (each finishing its batch in flight), sends what is queued, disconnects. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    const results = await Promise.allSettled([this.batcher.close(), this.admin.disconnect()]);
    for (const r of results) if (r.status === 'rejected') this.logger.warn('kafka client did not close cleanly', { err: r.reason });
  }
}

function checkSasl(sasl: NonNullable<KafkaEventLogOptions['sasl']>): SASLOptions {
  if (!sasl.username || !sasl.password) throw validationFailed('sasl needs a username and a password');
  const { username, password } = sasl;
  if (sasl.mechanism === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password };
  if (sasl.mechanism === 'scram-sha-512') return { mechanism: 'scram-sha-512', username, password };
  throw validationFailed('sasl.mechanism must be scram-sha-256 or scram-sha-512');
}

/**
 * kafkajs logs every error response of a connection at ERROR, including the ones its own retries
 * handle. A rebalance is routine (debug); other error responses are warnings, because what they
 * end in reaches the caller (UNAVAILABLE) or the consumer's crash log anyway.
 */
function routeKafkaLog(logger: Logger, entry: LogEntry): void {
  const { message, ...fields } = entry.log;
  const context = { namespace: entry.namespace, ...fields };
  const errorResponse = entry.level === KafkaLogLevel.ERROR && entry.namespace === 'Connection' && message.startsWith('Response ');
  if (errorResponse && /rebalanc/i.test(String(fields.error))) logger.debug(`kafkajs: ${message}`, context);
  else if (errorResponse) logger.warn(`kafkajs: ${message}`, context);
  else if (entry.level === KafkaLogLevel.ERROR) logger.error(`kafkajs: ${message}`, context);
  else if (entry.level === KafkaLogLevel.WARN) logger.warn(`kafkajs: ${message}`, context);
  else if (entry.level === KafkaLogLevel.INFO) logger.info(`kafkajs: ${message}`, context);
  else logger.debug(`kafkajs: ${message}`, context);
}


/** Tries of ensureTopics when the cluster answers with a retriable error (about 5 s in all). */
const ENSURE_TOPICS_ATTEMPTS = 4;

/** kafkajs marks the errors a client may retry (unknown topic-partition, leader moves, coordinator loading). */
function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}
