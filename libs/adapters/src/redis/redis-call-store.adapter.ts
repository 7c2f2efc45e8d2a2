import { validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { CallRecord, CallStore, checkId, checkTtl } from '@parley/ports';
import Redis from 'ioredis';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { closeRedis, LuaScript, mapRedisError, openRedis, RedisConnectionOptions } from './redis-connection';

export interface RedisCallStoreOptions {
  /** Every key starts with it (one prefix per deployment or test run). */
  keyPrefix?: string;
  logger?: Logger;
}

const DEFAULT_PREFIX = 'parley:calls:';
const CLOSE_TIMEOUT_MS = 1000;

/**
 * Keys under the prefix P: `P c:<call>` the record as JSON (with its version), `P u:<user>` the
 * user's current call id. Both expire. A save is a compare-and-set on the version (one script).
 */
// KEYS: record key. ARGV: json, expected stored version (0: must be absent), ttl ms.
const SAVE = new LuaScript(
  'calls-save',
  `
local cur = redis.call('GET', KEYS[1])
local expected = tonumber(ARGV[2])
if expected == 0 then
  if cur then return 0 end
else
  if not cur then return 0 end
  if tonumber(cjson.decode(cur).version) ~= expected then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`,
);

// KEYS: user key. ARGV: call id.
const CLEAR_IF = new LuaScript(
  'calls-clear-if',
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/** The mesh's call store: every gateway reads and writes the same records. */
export class RedisCallStore implements CallStore {
  private readonly prefix: string;
  private readonly logger: Logger;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    options: RedisCallStoreOptions = {},
    /** When true, close() also closes the client. */
    private readonly ownsClient = false,
  ) {
    this.prefix = options.keyPrefix ?? DEFAULT_PREFIX;
    if (typeof this.prefix !== 'string' || this.prefix.length === 0 || this.prefix.length > 200) throw validationFailed('keyPrefix must be a string of 1..200 characters');
    this.logger = options.logger ?? defaultAdapterLogger('redis-calls');
  }

  static async open(options: RedisCallStoreOptions & RedisConnectionOptions): Promise<RedisCallStore> {
    return new RedisCallStore(await openRedis(options), options, true);
  }

  async get(callId: string): Promise<CallRecord | null> {
    checkId('callId', callId);
    const raw = await this.call(() => this.redis.get(`${this.prefix}c:${callId}`));
    return raw ? (JSON.parse(raw) as CallRecord) : null;
  }

  async save(call: CallRecord, ttlMs: number): Promise<boolean> {
    checkId('callId', call.id);
    checkTtl(ttlMs);
    if (!Number.isSafeInteger(call.version) || call.version < 1) throw validationFailed('version must be a positive integer');
    const reply = await this.call(() => SAVE.run(this.redis, [`${this.prefix}c:${call.id}`], [JSON.stringify(call), call.version - 1, ttlMs]));
    return Number(reply) === 1;
  }

  async currentCallOf(userId: string): Promise<string | null> {
    checkId('userId', userId);
    return this.call(() => this.redis.get(`${this.prefix}u:${userId}`));
  }

  async setCurrentCall(userId: string, callId: string, ttlMs: number): Promise<void> {
    checkId('userId', userId);
    checkId('callId', callId);
    checkTtl(ttlMs);
    await this.call(() => this.redis.set(`${this.prefix}u:${userId}`, callId, 'PX', ttlMs));
  }

  async clearCurrentCall(userId: string, callId: string): Promise<void> {
    checkId('userId', userId);
    await this.call(() => CLEAR_IF.run(this.redis, [`${this.prefix}u:${userId}`], [callId]));
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

  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.closed) throw validationFailed('the call store is closed');
    try {
      return await run();
    } catch (error) {
      throw mapRedisError(error);
    }
  }
}
