import { validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { RouteTable } from '@parley/ports';
import Redis from 'ioredis';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { checkId, checkPositiveInteger, checkTtl } from '@parley/ports';
import { LuaScript, RedisConnectionOptions, openRedis } from './redis-connection';
import { RedisStore } from './redis-store';

export interface RedisRouteTableOptions {
  /** Every key of this table starts with it (one prefix per deployment or test run). */
  keyPrefix?: string;
  /** Clock in epoch ms used for expiries. */
  now?: () => number;
  /** Routes one sweep script removes before it lets other clients' commands run. */
  sweepChunk?: number;
  logger?: Logger;
}

const DEFAULT_PREFIX = 'parley:routes:';
const DEFAULT_SWEEP_CHUNK = 1000;

/**
 * Keys, all under the prefix P:
 *   P c:<conversation>  ZSET gateway -> route expiry       (what fanout reads)
 *   P g:<gw>            ZSET conversation -> route expiry  (the gateway's own index, for sweeps)
 *   P gws               ZSET gateway -> expiry             (set by refreshGateway)
 *   P sched             ZSET gateway -> when the sweep next has to look at it
 * A route is live while max(its own expiry, its gateway's refresh expiry) is in the future, so a
 * gateway's heartbeat is one ZADD whatever the number of its conversations.
 */
const LIBRARY = `
local P = ARGV[1]
local function forget_gateway_if_empty(gw)
  local gkey = P .. 'g:' .. gw
  if redis.call('ZCARD', gkey) == 0 then
    redis.call('DEL', gkey)
    redis.call('ZREM', P .. 'gws', gw)
    redis.call('ZREM', P .. 'sched', gw)
  end
end
local function remove_route(conv, gw)
  redis.call('ZREM', P .. 'c:' .. conv, gw)
  redis.call('ZREM', P .. 'g:' .. gw, conv)
  forget_gateway_if_empty(gw)
end
`;

// ARGV: prefix, conversation, gateway, ttlMs, now.
const REGISTER = new LuaScript(
  'routes-register',
  `${LIBRARY}
local conv, gw = ARGV[2], ARGV[3]
local expires = tonumber(ARGV[5]) + tonumber(ARGV[4])
redis.call('ZADD', P .. 'c:' .. conv, expires, gw)
redis.call('ZADD', P .. 'g:' .. gw, expires, conv)
redis.call('ZADD', P .. 'gws', 'NX', 0, gw)
redis.call('ZADD', P .. 'sched', 'LT', expires, gw)
return 1
`,
);

// ARGV: prefix, conversation, gateway.
const UNREGISTER = new LuaScript(
  'routes-unregister',
  `${LIBRARY}
remove_route(ARGV[2], ARGV[3])
return 1
`,
);

// ARGV: prefix, conversation, now. Returns the live gateways; removes the conversation's dead routes.
const GATEWAYS_FOR = new LuaScript(
  'routes-gateways-for',
  `${LIBRARY}
local conv, now = ARGV[2], tonumber(ARGV[3])
local entries = redis.call('ZRANGE', P .. 'c:' .. conv, 0, -1, 'WITHSCORES')
local live = {}
for i = 1, #entries, 2 do
  local gw, own = entries[i], tonumber(entries[i + 1])
  local beat = tonumber(redis.call('ZSCORE', P .. 'gws', gw) or '0')
  if own > now or beat > now then live[#live + 1] = gw else remove_route(conv, gw) end
end
return live
`,
);

// ARGV: prefix, now, chunk. Returns {more (0/1), routes removed}.
const SWEEP = new LuaScript(
  'routes-sweep',
  `${LIBRARY}
local now, chunk = tonumber(ARGV[2]), tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', P .. 'sched', '-inf', now, 'LIMIT', 0, chunk)
local removed, more = 0, 0
for _, gw in ipairs(due) do
  local beat = tonumber(redis.call('ZSCORE', P .. 'gws', gw) or '0')
  local gkey = P .. 'g:' .. gw
  if beat > now then
    redis.call('ZADD', P .. 'sched', beat, gw)
  else
    local expired = redis.call('ZRANGEBYSCORE', gkey, '-inf', now, 'LIMIT', 0, chunk - removed)
    for _, conv in ipairs(expired) do
      redis.call('ZREM', P .. 'c:' .. conv, gw)
      redis.call('ZREM', gkey, conv)
      removed = removed + 1
    end
    local first = redis.call('ZRANGE', gkey, 0, 0, 'WITHSCORES')
    if #first == 0 then
      forget_gateway_if_empty(gw)
    elseif tonumber(first[2]) > now then
      redis.call('ZADD', P .. 'sched', first[2], gw)
    end
  end
  if removed >= chunk then more = 1 break end
end
if #due >= chunk then more = 1 end
return { more, removed }
`,
);

/**
 * RouteTable on Redis: which gateways hold sockets of a conversation's members. register and
 * unregister are one script each (both indexes change together); refreshGateway is one ZADD;
 * gatewaysFor reads one sorted set (its size is the number of gateways, never the number of
 * members) and drops the dead routes it meets, and sweepExpired removes the routes of gateways
 * that stopped refreshing, in bounded chunks.
 *
 * Needs one Redis primary (scripts touch a conversation's and a gateway's keys together). A Redis
 * that is down or slow answers UNAVAILABLE within the connection's command timeout.
 */
export class RedisRouteTable extends RedisStore implements RouteTable {
  private readonly now: () => number;
  private readonly sweepChunk: number;

  constructor(
    redis: Redis,
    options: RedisRouteTableOptions = {},
    /** When true, close() also closes the client. */
    ownsClient = false,
  ) {
    super(redis, 'route table', options.keyPrefix ?? DEFAULT_PREFIX, options.logger ?? defaultAdapterLogger('redis-routes'), ownsClient);
    this.now = options.now ?? Date.now;
    this.sweepChunk = options.sweepChunk ?? DEFAULT_SWEEP_CHUNK;
    checkPositiveInteger('sweepChunk', this.sweepChunk, 100_000);
  }

  /** Opens its own connection (closed by close()). */
  static async open(options: RedisRouteTableOptions & RedisConnectionOptions): Promise<RedisRouteTable> {
    const redis = await openRedis(options);
    return new RedisRouteTable(redis, options, true);
  }

  async register(conversationId: string, gatewayId: string, ttlMs: number): Promise<void> {
    checkId('conversationId', conversationId);
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    await this.run(REGISTER, [conversationId, gatewayId, ttlMs, this.now()]);
  }

  async unregister(conversationId: string, gatewayId: string): Promise<void> {
    checkId('conversationId', conversationId);
    checkId('gatewayId', gatewayId);
    await this.run(UNREGISTER, [conversationId, gatewayId]);
  }

  /** One ZADD, whatever the number of the gateway's routes. */
  async refreshGateway(gatewayId: string, ttlMs: number): Promise<void> {
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    await this.call(() => this.redis.zadd(`${this.prefix}gws`, 'XX', this.now() + ttlMs, gatewayId));
  }

  async gatewaysFor(conversationId: string): Promise<string[]> {
    checkId('conversationId', conversationId);
    const reply = await this.run(GATEWAYS_FOR, [conversationId, this.now()]);
    if (!Array.isArray(reply)) throw new Error('unexpected reply from the route table script');
    return reply.map((gw) => String(gw)).sort();
  }

  /** Removes routes expired at `now` in bounded chunks until none is left; returns how many. */
  async sweepExpired(now: number): Promise<number> {
    if (!Number.isFinite(now)) throw validationFailed('now must be a finite number');
    let total = 0;
    for (;;) {
      const reply = await this.run(SWEEP, [Math.floor(now), this.sweepChunk]);
      if (!Array.isArray(reply) || reply.length !== 2) throw new Error('unexpected reply from the route sweep script');
      total += Number(reply[1]);
      if (reply[0] !== 1) return total;
    }
  }

  private run(script: LuaScript, args: readonly (string | number)[]): Promise<unknown> {
    return this.call(() => script.run(this.redis, [], [this.prefix, ...args]));
  }
}
