import { validationFailed } from '@parley/domain';
import { Client } from 'cassandra-driver';

/**
 * Messages per (conversation, bucket) partition. A bucket is floor(seq / size), so a partition of
 * messages_by_conversation holds at most this many rows however long a conversation lives. Fixed
 * for a keyspace: rows already written were placed with it.
 */
export const MESSAGE_BUCKET_SIZE = 10_000;

export interface MessageStoreSchemaOptions {
  keyspace: string;
  /** SimpleStrategy replication factor for a keyspace this creates (1 for a local node). */
  replicationFactor?: number;
  /** NetworkTopologyStrategy instead: replicas per data center (e.g. {dc1: 3}). */
  replication?: Record<string, number>;
}

const KEYSPACE_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

export function checkKeyspace(keyspace: unknown): asserts keyspace is string {
  if (typeof keyspace !== 'string' || !KEYSPACE_PATTERN.test(keyspace)) {
    throw validationFailed('keyspace must be 1..48 characters of [a-z0-9_], starting with a letter');
  }
}

/**
 * The message store's tables, in CQL that Cassandra and ScyllaDB both run: no counters, no
 * materialized views, no secondary indexes, no lightweight transactions.
 *
 * - messages_by_conversation: the messages, one partition per (conversation, bucket), clustered
 *   by seq. History reads are slices of one or two partitions.
 * - message_buckets_by_conversation: the buckets a conversation has, newest first. It lets reads
 *   walk from one bucket to the next and lets lastSeq start at the newest bucket; it is a set
 *   (rows are only added), so it never needs read-modify-write.
 *
 * There is no (sender, client_msg_id) index: the send ledger in Postgres holds that mapping
 * (docs/adr/0003). Keyspaces made before 2026-12-05 also hold a `message_by_client_id` table that
 * nothing reads or writes any more; an operator may drop it.
 */
export function messageStoreTables(keyspace: string): string[] {
  checkKeyspace(keyspace);
  return [
    `CREATE TABLE IF NOT EXISTS ${keyspace}.messages_by_conversation (
      conversation_id text,
      bucket bigint,
      seq bigint,
      id text,
      sender_id text,
      client_msg_id text,
      body text,
      created_at timestamp,
      PRIMARY KEY ((conversation_id, bucket), seq)
    ) WITH CLUSTERING ORDER BY (seq ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.message_buckets_by_conversation (
      conversation_id text,
      bucket bigint,
      PRIMARY KEY ((conversation_id), bucket)
    ) WITH CLUSTERING ORDER BY (bucket DESC)`,
  ];
}

/**
 * Creates the keyspace (SimpleStrategy, for a local node or a test cluster) and the tables, if
 * they do not exist. In production the keyspace is created by the operator with
 * NetworkTopologyStrategy; this then only adds the tables. Run it from one process at a time:
 * concurrent DDL can leave schema versions in disagreement.
 */
export async function ensureMessageStoreSchema(client: Client, options: MessageStoreSchemaOptions): Promise<void> {
  checkKeyspace(options.keyspace);
  // The driver waits for schema agreement after each DDL statement before it resolves.
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = ${replicationCql(options)}`);
  for (const statement of messageStoreTables(options.keyspace)) await client.execute(statement);
}

/** The keyspace's replication map: NetworkTopologyStrategy per data center, or SimpleStrategy. */
export function replicationCql(options: MessageStoreSchemaOptions): string {
  const checkRf = (rf: number, what: string) => {
    if (!Number.isInteger(rf) || rf < 1 || rf > 9) throw validationFailed(`${what} must be an integer in 1..9`);
  };
  if (options.replication && Object.keys(options.replication).length > 0) {
    const dcs = Object.entries(options.replication).map(([dc, rf]) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(dc)) throw validationFailed('data center names must be 1..64 characters of [A-Za-z0-9_-]');
      checkRf(rf, `replication of ${dc}`);
      return `'${dc}': ${rf}`;
    });
    return `{'class': 'NetworkTopologyStrategy', ${dcs.join(', ')}}`;
  }
  const rf = options.replicationFactor ?? 1;
  checkRf(rf, 'replicationFactor');
  return `{'class': 'SimpleStrategy', 'replication_factor': ${rf}}`;
}

/**
 * Checks, without creating anything, that the keyspace and its tables exist (a process started with
 * PARLEY_SCHEMA_SETUP=verify: the setup job made them). Throws naming what is missing.
 */
export async function verifyMessageStoreSchema(client: Client, keyspace: string): Promise<void> {
  checkKeyspace(keyspace);
  const tables = ['messages_by_conversation', 'message_buckets_by_conversation'];
  const found = await Promise.all(tables.map((t) => client.metadata.getTable(keyspace, t)));
  const missing = tables.filter((_, i) => !found[i]);
  if (missing.length > 0) throw new Error(`cassandra schema missing in keyspace ${keyspace}: ${missing.join(', ')} (run the setup job, or PARLEY_SCHEMA_SETUP=create)`);
}

/** The bucket of a seq. */
export function bucketOf(seq: number, bucketSize: number = MESSAGE_BUCKET_SIZE): number {
  return Math.floor(seq / bucketSize);
}
