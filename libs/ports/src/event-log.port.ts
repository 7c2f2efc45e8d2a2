/**
 * A partitioned, durable, ordered log: Kafka's model. Both adapters (embedded, kafkajs) keep:
 *
 * - `append` resolves only once the record is durable; records with the same key go to the same
 *   partition and keep their append order there.
 * - Consumers in one group split the partitions; each partition has one owner at a time.
 * - Delivery is at-least-once: a handler's offset is committed only after the handler resolves.
 *   A handler that throws is retried (same record, same order) after a back-off; nothing behind it
 *   in that partition is handled first.
 * - `onAssigned`/`onRevoked` tell a consumer which partitions it owns (the sequencer drops its
 *   cached state for revoked partitions).
 */
export interface LogRecord<T = unknown> {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: T;
  headers: Record<string, string>;
  timestamp: number;
}

export interface AppendResult {
  partition: number;
  offset: string;
}

export interface ConsumerOptions<T> {
  group: string;
  topic: string;
  /** Handles a batch from one partition, in order. Resolving commits the batch. */
  handleBatch(records: LogRecord<T>[]): Promise<void>;
  onAssigned?(partitions: number[]): void;
  onRevoked?(partitions: number[]): void;
  /** Largest batch handed to handleBatch. */
  maxBatch?: number;
  /** Where a group with no committed offset starts. Default: earliest. */
  fromBeginning?: boolean;
  /**
   * Told, after each handled batch, how many records of the partition are still behind it (the
   * consumer lag, for metrics). Optional for adapters: the Kafka one reports it.
   */
  onLag?(partition: number, lag: number): void;
}

export interface Consumer {
  stop(): Promise<void>;
}

export interface EventLog {
  append<T>(topic: string, key: string, value: T, headers?: Record<string, string>): Promise<AppendResult>;
  consume<T>(options: ConsumerOptions<T>): Promise<Consumer>;
  /** True while the log accepts appends (readiness). */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

export const EVENT_LOG = Symbol('EventLog');

/** Topic names. Both are keyed by conversation_id. */
export const Topics = {
  /** Sends accepted by gateways, before sequencing. */
  ingress: 'parley.ingress.v1',
  /** Conversation events after sequencing: message.created, member changes, read markers, typing. */
  events: 'parley.events.v1',
} as const;
