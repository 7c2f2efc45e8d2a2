import { validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { BucketFamily, MAX_BUCKET_KEY_LENGTH, SharedBuckets } from '@parley/ports';
import Redis from 'ioredis';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { LuaScript, openRedis, RedisConnectionOptions } from './redis-connection';
import { RedisStore } from './redis-store';

export interface RedisSharedBucketsOptions {
  /** Every key starts with it (one prefix per deployment or test run). */
  keyPrefix?: string;
  logger?: Logger;
}

const DEFAULT_PREFIX = 'parley:limits:';

/**
 * One bucket is a hash {tk: tokens, at: ms} refilled on each touch by the server's clock (so the
 * gateways' clocks never disagree about it) and expiring once it would be full again: an idle
 * bucket costs no memory. ARGV: op (take | charge | peek | forget), rate per ms, burst, cost.
 * Answers the milliseconds to wait (0 when taken, or for charge and forget).
 */
const BUCKET = new LuaScript(
  'shared-bucket',
  `
local op = ARGV[1]
if op == 'forget' then redis.call('DEL', KEYS[1]) return 0 end
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HMGET', KEYS[1], 'tk', 'at')
local tokens = burst
if v[1] then tokens = math.min(burst, tonumber(v[1]) + math.max(0, now - tonumber(v[2])) * rate) end
local wait = 0
if op == 'take' then
  if tokens >= cost then tokens = tokens - cost else wait = math.ceil((cost - tokens) / rate) end
elseif op == 'charge' then
  tokens = math.max(-burst, tokens - cost)
elseif tokens < cost then
  wait = math.ceil((cost - tokens) / rate)
end
if op ~= 'peek' and wait == 0 then
  redis.call('HSET', KEYS[1], 'tk', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
end
return wait
`,
);

/** The mesh's SharedBuckets: every gateway takes from the same buckets, one script call each. */
export class RedisSharedBuckets extends RedisStore implements SharedBuckets {
  constructor(redis: Redis, options: RedisSharedBucketsOptions = {}, ownsClient = false) {
    super(redis, 'shared limits', options.keyPrefix ?? DEFAULT_PREFIX, options.logger ?? defaultAdapterLogger('redis-limits'), ownsClient);
  }

  static async open(options: RedisSharedBucketsOptions & RedisConnectionOptions): Promise<RedisSharedBuckets> {
    return new RedisSharedBuckets(await openRedis(options), options, true);
  }

  async take(family: BucketFamily, key: string, cost = 1): Promise<number> {
    return toSeconds(await this.run('take', family, key, cost));
  }

  async charge(family: BucketFamily, key: string, cost = 1): Promise<void> {
    await this.run('charge', family, key, cost);
  }

  async retryAfterSec(family: BucketFamily, key: string, cost = 1): Promise<number> {
    return toSeconds(await this.run('peek', family, key, cost));
  }

  async forget(family: BucketFamily, key: string): Promise<void> {
    await this.run('forget', family, key, 1);
  }

  private run(op: string, family: BucketFamily, key: string, cost: number): Promise<unknown> {
    if (!/^[a-z-]{1,40}$/.test(family.name)) throw validationFailed('a bucket family name must be [a-z-]{1,40}');
    if (!(family.ratePerSecond > 0) || !(family.burst >= 1)) throw validationFailed('a bucket family needs a positive rate and a burst of at least 1');
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_BUCKET_KEY_LENGTH) throw validationFailed(`a bucket key must be 1..${MAX_BUCKET_KEY_LENGTH} characters`);
    if (!(cost > 0) || cost > family.burst * 2) throw validationFailed('cost must be positive and at most twice the burst');
    const redisKey = `${this.prefix}${family.name}:${key}`;
    return this.call(() => BUCKET.run(this.redis, [redisKey], [op, family.ratePerSecond / 1000, family.burst, cost]));
  }
}

const toSeconds = (waitMs: unknown) => (Number(waitMs) > 0 ? Math.max(1, Math.ceil(Number(waitMs) / 1000)) : 0);
