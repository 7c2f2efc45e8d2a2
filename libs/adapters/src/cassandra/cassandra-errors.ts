import { DomainError } from '@parley/domain';
import { errors, types } from 'cassandra-driver';
import { messageOf, unavailableFrom } from '../shared/adapter-errors';

/** Driver-side and coordinator-side failures that mean "not now": the cluster, not the request. */
const UNAVAILABLE_RESPONSE_CODES = new Set<number>([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.readFailure,
  types.responseErrorCodes.writeFailure,
]);

/** Driver errors that mean the cluster could not answer become UNAVAILABLE; others pass through. */
export function mapCassandraError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (
    error instanceof errors.NoHostAvailableError ||
    error instanceof errors.OperationTimedOutError ||
    error instanceof errors.BusyConnectionError ||
    (error instanceof errors.ResponseError && UNAVAILABLE_RESPONSE_CODES.has(error.code))
  ) {
    return unavailableFrom('cassandra', error);
  }
  if (error instanceof errors.DriverError && /shut ?down|not connected|closed/i.test(messageOf(error))) return unavailableFrom('cassandra', error);
  return error;
}
