import { validationFailed } from '@parley/domain';
import { Logger } from '@parley/observability';
import { PresenceStore } from '@parley/ports';
import Redis from 'ioredis';
import { defaultAdapterLogger } from '../shared/adapter-logger';
import { checkId, checkPositiveInteger, checkTtl } from '@parley/ports';
import { LuaScript, RedisConnectionOptions, openRedis } from './redis-connection';
import { RedisStore } from './redis-store';

export interface RedisPresenceOptions {
  /** Every key of this store starts with it (one prefix per deployment or test run). */
  keyPrefix?: string;
  /** Clock in epoch ms; expiries are computed by the callers' clocks, as sweepExpired(now) expects. */
  now?: () => number;
  /** Most users one onlineAmong call may ask about. */
  maxUsersPerQuery?: number;
  /** Connections one sweep script removes before it lets other clients' commands run. */
  sweepChunk?: number;
  logger?: Logger;
}

const DEFAULT_PREFIX = 'parley:presence:';
const DEFAULT_MAX_USERS_PER_QUERY = 100_000;
const DEFAULT_SWEEP_CHUNK = 1000;
/** Connection changes per script call (bounded argument list and run time). */
const CHANGES_PER_SCRIPT = 500;
/** Users per onlineAmong script call (Lua's unpack and one script's run time stay small). */
const USERS_PER_SCRIPT = 1000;

/**
 * Keys, all under the prefix P:
 *   P c          HASH  connection -> user
 *   P u:<user>   HASH  connection -> gateway        (the user's connections)
 *   P g:<gw>     ZSET  connection -> expiry         (set by connect)
 *   P gws        ZSET  gateway -> expiry            (set by heartbeatGateway)
 *   P sched      ZSET  gateway -> when the sweep next has to look at it
 * A connection is live while max(its own expiry, its gateway's heartbeat expiry) is in the future.
 * A heartbeat is one ZADD however many connections the gateway holds.
 */
const LIBRARY = `
local P = ARGV[1]
local function expiry(conn, gw)
  local own = tonumber(redis.call('ZSCORE', P .. 'g:' .. gw, conn) or '0')
  local beat = tonumber(redis.call('ZSCORE', P .. 'gws', gw) or '0')
  if beat > own then return beat end
  return own
end
local function forget_gateway_if_empty(gw)
  local gkey = P .. 'g:' .. gw
  if redis.call('ZCARD', gkey) == 0 then
    redis.call('DEL', gkey)
    redis.call('ZREM', P .. 'gws', gw)
    redis.call('ZREM', P .. 'sched', gw)
  end
end
local function detach(user, conn, gw)
  redis.call('HDEL', P .. 'u:' .. user, conn)
  redis.call('HDEL', P .. 'c', conn)
  redis.call('ZREM', P .. 'g:' .. gw, conn)
  forget_gateway_if_empty(gw)
end
-- Removes the user's expired connections without reporting them (the caller reports the
-- transition); returns whether a live connection remains.
local function prune(user, now)
  local entries = redis.call('HGETALL', P .. 'u:' .. user)
  local live = false
  for i = 1, #entries, 2 do
    if expiry(entries[i], entries[i + 1]) > now then live = true else detach(user, entries[i], entries[i + 1]) end
  end
  return live
end
local function live_gateways(user, now)
  local entries = redis.call('HGETALL', P .. 'u:' .. user)
  local out = {}
  for i = 1, #entries, 2 do
    if expiry(entries[i], entries[i + 1]) > now then out[#out + 1] = entries[i + 1] end
  end
  return out
end
`;

// ARGV: prefix, now, then five per change in the order asked: op ('c' connect, 'd' disconnect),
// user, connection, gateway (connect), ttlMs (connect). Returns one reply per change: 1 when it made
// the user come online (connect) or go offline (disconnect), 0 when not, -1 when a connect names a
// connection that belongs to another user (that change alone is refused). Each change is the same
// atomic step the single-change scripts took; a batch of them costs one command.
const CHANGES = new LuaScript(
  'presence-changes',
  `${LIBRARY}
local now = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 5 do
  local user, conn = ARGV[i + 1], ARGV[i + 2]
  if ARGV[i] == 'c' then
    local gw = ARGV[i + 3]
    local expires = now + tonumber(ARGV[i + 4])
    local owner = redis.call('HGET', P .. 'c', conn)
    if owner and owner ~= user then
      out[#out + 1] = -1
    else
      local was_online = prune(user, now)
      local previous = redis.call('HGET', P .. 'u:' .. user, conn)
      if previous and previous ~= gw then
        redis.call('ZREM', P .. 'g:' .. previous, conn)
        forget_gateway_if_empty(previous)
      end
      redis.call('HSET', P .. 'c', conn, user)
      redis.call('HSET', P .. 'u:' .. user, conn, gw)
      redis.call('ZADD', P .. 'g:' .. gw, expires, conn)
      redis.call('ZADD', P .. 'gws', 'NX', 0, gw)
      redis.call('ZADD', P .. 'sched', 'LT', expires, gw)
      if was_online then out[#out + 1] = 0 else out[#out + 1] = 1 end
    end
  else
    local gw = redis.call('HGET', P .. 'u:' .. user, conn)
    if not gw then
      out[#out + 1] = 0
    else
      detach(user, conn, gw)
      prune(user, now)
      if redis.call('EXISTS', P .. 'u:' .. user) == 1 then out[#out + 1] = 0 else out[#out + 1] = 1 end
    end
  end
end
return out
`,
);

// ARGV: prefix, now, user... Returns the users with a live connection.
const ONLINE_AMONG = new LuaScript(
  'presence-online-among',
  `${LIBRARY}
local now = tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV do
  if #live_gateways(ARGV[i], now) > 0 then out[#out + 1] = ARGV[i] end
end
return out
`,
);

// ARGV: prefix, user, now. Returns the gateways of the user's live connections (may repeat).
const GATEWAYS_FOR_USER = new LuaScript(
  'presence-gateways-for-user',
  `${LIBRARY}
return live_gateways(ARGV[2], tonumber(ARGV[3]))
`,
);

// ARGV: prefix, now, chunk. Removes up to chunk expired connections of gateways due for a look.
// Returns {more (0/1), users that went offline...}.
const SWEEP = new LuaScript(
  'presence-sweep',
  `${LIBRARY}
local now, chunk = tonumber(ARGV[2]), tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', P .. 'sched', '-inf', now, 'LIMIT', 0, chunk)
local removed, touched, more = 0, {}, 0
for _, gw in ipairs(due) do
  local beat = tonumber(redis.call('ZSCORE', P .. 'gws', gw) or '0')
  local gkey = P .. 'g:' .. gw
  if beat > now then
    -- A heartbeating gateway keeps all its connections: look again when the heartbeat runs out.
    redis.call('ZADD', P .. 'sched', beat, gw)
  else
    local expired = redis.call('ZRANGEBYSCORE', gkey, '-inf', now, 'LIMIT', 0, chunk - removed)
    for _, conn in ipairs(expired) do
      local user = redis.call('HGET', P .. 'c', conn)
      if user then
        redis.call('HDEL', P .. 'u:' .. user, conn)
        redis.call('HDEL', P .. 'c', conn)
        touched[#touched + 1] = user
      end
      redis.call('ZREM', gkey, conn)
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
local out, seen = { more }, {}
for _, user in ipairs(touched) do
  if not seen[user] and redis.call('EXISTS', P .. 'u:' .. user) == 0 then out[#out + 1] = user end
  seen[user] = true
end
return out
`,
);

interface PendingChange {
  args: [string, string, string, string, number];
  resolve: (transition: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * PresenceStore on Redis. Each state change is an atomic step of a Lua script, so the online/offline
 * transition it reports is decided atomically with the write: two connects racing for a user's first connection
 * report "came online" once, and a user's last connection removed by disconnect or by a sweep
 * reports "went offline" once. Expired connections are invisible to reads at once; removing them
 * (and reporting the users offline) is sweepExpired's job, as in the embedded store.
 *
 * Needs one Redis primary (scripts touch keys of several users and gateways; Redis Cluster would
 * need them under one hash tag). A Redis that is down or slow answers UNAVAILABLE within the
 * connection's command timeout; nothing is queued while disconnected.
 *
 * Connects and disconnects asked for in one event-loop turn go out as one script (in the order
 * asked, at most CHANGES_PER_SCRIPT per script): a reconnect storm's ConnectionsChanged batch of a
 * few hundred sockets costs one command, not one per socket.
 */
export class RedisPresenceStore extends RedisStore implements PresenceStore {
  private readonly now: () => number;
  private readonly maxUsersPerQuery: number;
  private readonly sweepChunk: number;
  private changes: PendingChange[] = [];
  private flushScheduled = false;

  constructor(
    redis: Redis,
    options: RedisPresenceOptions = {},
    /** When true, close() also closes the client. */
    ownsClient = false,
  ) {
    super(redis, 'presence store', options.keyPrefix ?? DEFAULT_PREFIX, options.logger ?? defaultAdapterLogger('redis-presence'), ownsClient);
    this.now = options.now ?? Date.now;
    this.maxUsersPerQuery = options.maxUsersPerQuery ?? DEFAULT_MAX_USERS_PER_QUERY;
    this.sweepChunk = options.sweepChunk ?? DEFAULT_SWEEP_CHUNK;
    checkPositiveInteger('maxUsersPerQuery', this.maxUsersPerQuery);
    checkPositiveInteger('sweepChunk', this.sweepChunk, 100_000);
  }

  /** Opens its own connection (closed by close()). */
  static async open(options: RedisPresenceOptions & RedisConnectionOptions): Promise<RedisPresenceStore> {
    const redis = await openRedis(options);
    return new RedisPresenceStore(redis, options, true);
  }

  async connect(userId: string, connectionId: string, gatewayId: string, ttlMs: number): Promise<boolean> {
    checkId('userId', userId);
    checkId('connectionId', connectionId);
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    return this.change(['c', userId, connectionId, gatewayId, ttlMs]);
  }

  async disconnect(userId: string, connectionId: string): Promise<boolean> {
    checkId('userId', userId);
    checkId('connectionId', connectionId);
    return this.change(['d', userId, connectionId, '', 0]);
  }

  /** Queues a change for this turn's script; answers with its transition. */
  private change(args: PendingChange['args']): Promise<boolean> {
    this.checkOpen();
    return new Promise<boolean>((resolve, reject) => {
      this.changes.push({ args, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flushChanges());
    });
  }

  private flushChanges(): void {
    this.flushScheduled = false;
    const all = this.changes;
    this.changes = [];
    const now = this.now();
    for (let i = 0; i < all.length; i += CHANGES_PER_SCRIPT) {
      const batch = all.slice(i, i + CHANGES_PER_SCRIPT);
      // Sent back to back on one connection, so the batches run in the order asked.
      this.run(CHANGES, [now, ...batch.flatMap((c) => c.args)]).then(
        (reply) => {
          const results = toArray(reply);
          batch.forEach((c, j) => {
            const r = results[j];
            if (r === -1) c.reject(validationFailed('connectionId already belongs to another user'));
            else if (r === 0 || r === 1) c.resolve(r === 1);
            else c.reject(new Error(`unexpected reply from the presence changes script: ${String(r)}`));
          });
        },
        (error: unknown) => batch.forEach((c) => c.reject(error)),
      );
    }
  }

  /** One ZADD: the gateway's heartbeat expiry covers all its connections. */
  async heartbeatGateway(gatewayId: string, ttlMs: number): Promise<void> {
    checkId('gatewayId', gatewayId);
    checkTtl(ttlMs);
    await this.call(() => this.redis.zadd(`${this.prefix}gws`, 'XX', this.now() + ttlMs, gatewayId));
  }

  async isOnline(userId: string): Promise<boolean> {
    checkId('userId', userId);
    return (await this.onlineAmong([userId])).has(userId);
  }

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    if (!Array.isArray(userIds)) throw validationFailed('userIds must be an array');
    if (userIds.length > this.maxUsersPerQuery) throw validationFailed(`at most ${this.maxUsersPerQuery} users per query`);
    userIds.forEach((id) => checkId('userId', id));
    if (userIds.length === 0) return new Set();
    const now = this.now();
    const chunks: string[][] = [];
    for (let i = 0; i < userIds.length; i += USERS_PER_SCRIPT) chunks.push(userIds.slice(i, i + USERS_PER_SCRIPT));
    // Sent back to back on one connection: one round trip however many chunks.
    const replies = await Promise.all(chunks.map((chunk) => this.run(ONLINE_AMONG, [now, ...chunk])));
    return new Set(replies.flatMap((reply) => toStrings(reply)));
  }

  async gatewaysForUser(userId: string): Promise<string[]> {
    checkId('userId', userId);
    return [...new Set(toStrings(await this.run(GATEWAYS_FOR_USER, [userId, this.now()])))].sort();
  }

  /**
   * Removes connections expired at `now`, a bounded chunk per script, until none is left; returns
   * the users whose last connection it removed (each offline transition is reported once).
   */
  async sweepExpired(now: number): Promise<string[]> {
    if (!Number.isFinite(now)) throw validationFailed('now must be a finite number');
    const offline = new Set<string>();
    for (;;) {
      const [more, ...users] = toArray(await this.run(SWEEP, [Math.floor(now), this.sweepChunk]));
      users.forEach((u) => offline.add(String(u)));
      if (more !== 1) return [...offline];
    }
  }

  private run(script: LuaScript, args: readonly (string | number)[]): Promise<unknown> {
    return this.call(() => script.run(this.redis, [], [this.prefix, ...args]));
  }
}

function toArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected reply from a presence script: ${typeof reply}`);
  return reply;
}

function toStrings(reply: unknown): string[] {
  return toArray(reply).map((value) => String(value));
}
