import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DomainError, validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import Redis from 'ioredis';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { messageOf, unavailableFrom, withTimeout } from '../shared/adapter-errors';
import { checkPositiveInteger } from '@parley/ports';

export interface RedisConnectionOptions {
  /** redis://[:password@]host:port[/db], or rediss:// for TLS (the server's certificate and name are verified). */
  url: string;
  /** rediss://: PEM file of the CA that signed the server's certificate; default: the system's CAs. */
  tlsCaFile?: string;
  /** Bound on opening the connection. */
  connectTimeoutMs?: number;
  /** Bound on each command's answer. */
  commandTimeoutMs?: number;
  logger?: Logger;
}

const DEFAULTS = { connectTimeoutMs: 2000, commandTimeoutMs: 2000 };
/** Reconnect back-off while the server is away: 100 ms, 200 ms, ... up to 2 s, forever. */
const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 2000);

/**
 * Opens an ioredis client that fails fast instead of buffering: no offline queue (a command sent
 * while disconnected is refused at once), no command retried on another connection, bounded
 * connect and command timeouts. It keeps reconnecting in the background, so calls succeed again as soon as
 * the server is back. Rejects with UNAVAILABLE when the first connection cannot be made.
 */
export async function openRedis(options: RedisConnectionOptions): Promise<Redis> {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) throw validationFailed('url must be a redis:// URL');
  const s = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = options[name];
    if (value === undefined) continue;
    checkPositiveInteger(name, value);
    s[name] = value;
  }
  const logger = options.logger ?? defaultAdapterLogger('redis');
  const tls = options.url.startsWith('rediss://');
  if (options.tlsCaFile && !tls) throw validationFailed('tlsCaFile needs a rediss:// URL');
  const redis = new Redis(options.url, {
    ...(tls ? { tls: { rejectUnauthorized: true, ...(options.tlsCaFile ? { ca: readFileSync(options.tlsCaFile) } : {}) } } : {}),
    lazyConnect: true,
    // Commands issued in the same tick share one write (a batch of presence changes, a gateway's
    // route registrations): fewer syscalls on both ends, same replies.
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails instead of being sent again after the
    // reconnect: the presence scripts report transitions, and a replayed script would report
    // "already online" for a connect that did make the user come online.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: s.connectTimeoutMs,
    commandTimeout: s.commandTimeoutMs,
    retryStrategy: reconnectDelay,
    // How long disconnect() waits for the socket to close before destroying it (ioredis: 2 s).
    disconnectTimeout: 200,
  });
  let lastError = '';
  // ioredis emits every connection failure here; without a listener it prints them itself.
  redis.on('error', (error: unknown) => {
    const message = messageOf(error);
    if (message !== lastError) logger.warn('redis connection error', { err: error });
    lastError = message;
  });
  redis.on('ready', () => {
    lastError = '';
  });
  try {
    await withTimeout(redis.connect(), s.connectTimeoutMs + 500, 'redis connect');
  } catch (error) {
    redis.disconnect();
    throw error instanceof DomainError ? error : unavailableFrom('redis', error);
  }
  return redis;
}

/** Server replies that mean "not now" (loading, busy script, out of memory, failover), not "wrong command". */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|OOM|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF)\b/;
/** Prefix of the errors the adapters' own scripts raise for a caller's bad input. */
export const SCRIPT_VALIDATION_ERROR = 'PARLEY_VALIDATION';

/**
 * Maps what ioredis rejects with: connection-level failures (closed stream, timeout, refused,
 * retries exhausted) and "not now" replies become UNAVAILABLE, a script's validation reply
 * becomes VALIDATION_FAILED, anything else (a bug in a command) passes through.
 */
export function mapRedisError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const message = messageOf(error);
  if (error instanceof Error && error.name === 'ReplyError') {
    if (message.includes(SCRIPT_VALIDATION_ERROR)) {
      return validationFailed(message.slice(message.indexOf(SCRIPT_VALIDATION_ERROR) + SCRIPT_VALIDATION_ERROR.length).trim());
    }
    return UNAVAILABLE_REPLY.test(message) ? unavailableFrom('redis', error) : error;
  }
  return unavailableFrom('redis', error);
}

/**
 * A Lua script run by EVALSHA, loaded with EVAL the first time a server does not know it
 * (NOSCRIPT: first use, or after a restart or SCRIPT FLUSH). A script runs atomically: nothing
 * else touches the keys between its reads and writes.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(
    readonly name: string,
    private readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Closes a client gracefully (QUIT), or drops the socket when the server does not answer. */
export async function closeRedis(redis: Redis, timeoutMs: number, logger: Logger): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await withTimeout(redis.quit(), timeoutMs, 'redis quit').catch((error: unknown) => {
    logger.debug('redis quit failed, dropping the connection', { err: error });
    redis.disconnect();
  });
}
