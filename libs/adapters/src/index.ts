/**
 * The real adapters of Parley's ports, for the mesh and Kubernetes modes: Postgres (SqlDb),
 * Kafka (EventLog), Cassandra/ScyllaDB (MessageStore) and Redis (PresenceStore, RouteTable).
 * Apps wire them in; services only see the ports.
 */
export * from './shared/adapter-errors';
export * from './postgres/pg-sql.adapter';
export * from './kafka/kafka-event-log.adapter';
export { mapKafkaError } from './kafka/kafka-errors';
export * from './cassandra/cassandra-message-store.adapter';
export * from './cassandra/cassandra-message-store.schema';
export * from './redis/redis-connection';
export * from './redis/redis-presence.adapter';
export * from './redis/redis-route-table.adapter';
export * from './push/apns-push.provider';
export * from './push/fcm-push.provider';
export * from './redis/redis-call-store.adapter';
export * from './otp/twilio-sms.sender';
export * from './otp/smtp-email.sender';
export * from './shared/tls-files';
export * from './s3/s3-blob-store.adapter';
export * from './redis/redis-shared-buckets.adapter';
