import { validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { CallRecord, CallStore, checkId, checkTtl } from '@parley/ports';
import Redis from 'ioredis';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { LuaScript, openRedis, RedisConnectionOptions } from './redis-connection';
import { RedisStore } from './redis-store';

export interface RedisCallStoreOptions {
  /** Every key starts with it (one prefix per deployment or test run). */
  keyPrefix?: string;
  logger?: Logger;
}

const DEFAULT_PREFIX = 'parley:calls:';

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
export class RedisCallStore extends RedisStore implements CallStore {
  constructor(
    redis: Redis,
    options: RedisCallStoreOptions = {},
    /** When true, close() also closes the client. */
    ownsClient = false,
  ) {
    super(redis, 'call store', options.keyPrefix ?? DEFAULT_PREFIX, options.logger ?? defaultAdapterLogger('redis-calls'), ownsClient);
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
}
