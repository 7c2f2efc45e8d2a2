import { unavailable, validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import Redis from 'ioredis';
import { closeRedis, mapRedisError } from './redis-connection';

const CLOSE_TIMEOUT_MS = 1000;

/**
 * What every Redis-backed store shares: its key prefix, a client it may own (closed with it), a
 * health probe, and one way to call Redis once closed (refused) or failing (mapped to domain errors).
 */
export abstract class RedisStore {
  protected readonly prefix: string;
  private closed = false;

  protected constructor(
    protected readonly redis: Redis,
    /** Names the store in errors ("presence store is closed"). */
    private readonly what: string,
    keyPrefix: string,
    protected readonly logger: Logger,
    /** When true, close() also closes the client. */
    private readonly ownsClient: boolean,
  ) {
    if (typeof keyPrefix !== 'string' || keyPrefix.length === 0 || keyPrefix.length > 200) {
      throw validationFailed('keyPrefix must be a string of 1..200 characters');
    }
    this.prefix = keyPrefix;
  }

  async healthy(): Promise<boolean> {
    if (this.closed || this.redis.status !== 'ready') return false;
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch (error) {
      this.logger.debug('redis health check failed', { err: error });
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) await closeRedis(this.redis, CLOSE_TIMEOUT_MS, this.logger);
  }

  /** Throws UNAVAILABLE once closed. */
  protected checkOpen(): void {
    if (this.closed) throw unavailable(`${this.what} is closed`);
  }

  /** Runs one Redis call: refused once closed, its failures mapped to UNAVAILABLE or validation errors. */
  protected async call<T>(run: () => Promise<T>): Promise<T> {
    this.checkOpen();
    try {
      return await run();
    } catch (error) {
      throw mapRedisError(error);
    }
  }
}
