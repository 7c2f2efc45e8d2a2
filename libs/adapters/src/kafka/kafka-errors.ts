import { DomainError } from '@parley/domain';
import { KafkaJSError } from 'kafkajs';
import { unavailableFrom } from '../shared/adapter-errors';

/**
 * kafkajs's errors are all about the cluster (connection, timeout, leader moves, unknown topic,
 * retries exhausted): they become UNAVAILABLE, with the original as `cause`. Anything else is a
 * bug in this process and passes through unchanged.
 */
export function mapKafkaError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof KafkaJSError || (error instanceof Error && error.name.startsWith('KafkaJS'))) return unavailableFrom('kafka', error);
  return error;
}
