/**
 * Parley's configuration, parsed and validated once at boot into a typed object. Nothing reads
 * process.env after this. Every setting has a default and a one-line description.
 */
export interface ParleyConfig {
  mode: 'standalone' | 'mesh';
  host: string;
  port: number;
  /** The admin HTTP port (/metrics, /healthz, /readyz) of a process; the only place /metrics is served; port 0 = none. */
  admin: { host: string; port: number };
  dataDir: string;
  /** Directory of the built chat page; empty = the build's own dist/web. */
  webDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  gatewayId: string;
  auth: { issuer: string; audience: string; accessTtlSeconds: number; refreshTtlSeconds: number; passwordHashCost: 'standard' | 'test' };
  gateway: {
    heartbeatMs: number;
    maxBufferedBytes: number;
    maxInvalidFrames: number;
    restSendTimeoutMs: number;
    sendRatePerSecond: number;
  };
  presence: { connectionTtlMs: number };
  largeGroup: { threshold: number; typingSampleMs: number };
  log: { partitions: number };
  kafka: { brokers: string[]; replicationFactor: number };
  cassandra: { contactPoints: string[]; localDataCenter: string; keyspace: string };
  postgresUrl: string;
  redisUrl: string;
  /** Mesh: gRPC addresses (listen for the owner, connect for the others). */
  grpc: { auth: string; messaging: string; presence: string; gatewayDelivery: string };
}

interface Setting<T> {
  env: string;
  description: string;
  default: T;
  parse(raw: string): T;
}

const str = (env: string, def: string, description: string): Setting<string> => ({ env, description, default: def, parse: (r) => r });
const int = (env: string, def: number, description: string, min = 0, max = Number.MAX_SAFE_INTEGER): Setting<number> => ({
  env,
  description,
  default: def,
  parse: (r) => {
    const n = Number(r);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${env} must be an integer in [${min}, ${max}], got "${r}"`);
    return n;
  },
});
const oneOf = <T extends string>(env: string, def: T, values: readonly T[], description: string): Setting<T> => ({
  env,
  description,
  default: def,
  parse: (r) => {
    if (!values.includes(r as T)) throw new Error(`${env} must be one of ${values.join(', ')}, got "${r}"`);
    return r as T;
  },
});
const list = (env: string, def: string[], description: string): Setting<string[]> => ({
  env,
  description,
  default: def,
  parse: (r) => r.split(',').map((s) => s.trim()).filter(Boolean),
});

/** Every setting Parley reads, with its environment variable, default and description. */
export const settings = {
  mode: oneOf('PARLEY_MODE', 'standalone', ['standalone', 'mesh'] as const, 'standalone: one process, embedded adapters; mesh: one service per process on real servers'),
  host: str('PARLEY_HOST', '0.0.0.0', 'address the public gateway port binds to'),
  port: int('PARLEY_PORT', 8080, 'the public gateway port (REST, WebSocket, health)', 0, 65535),
  adminHost: str('PARLEY_ADMIN_HOST', '127.0.0.1', 'address the admin port binds to (0.0.0.0 in a pod, for probes and scraping)'),
  adminPort: int(
    'PARLEY_ADMIN_PORT',
    0,
    'admin HTTP port (/metrics, /healthz, /readyz) of every process, the gateway and standalone too (/metrics is served only here); 0: none',
    0,
    65535,
  ),
  dataDir: str('PARLEY_DATA_DIR', '.data', 'standalone mode: directory holding all durable data'),
  webDir: str('PARLEY_WEB_DIR', '', "directory of the built chat page; default: this build's dist/web"),
  logLevel: oneOf('PARLEY_LOG_LEVEL', 'info', ['debug', 'info', 'warn', 'error'] as const, 'lowest log level written'),
  gatewayId: str('PARLEY_GATEWAY_ID', '', 'unique id of this gateway process; default: a random id per start'),
  issuer: str('PARLEY_JWT_ISSUER', 'parley', 'the iss claim of access tokens'),
  audience: str('PARLEY_JWT_AUDIENCE', 'parley-clients', 'the aud claim of access tokens'),
  accessTtl: int('PARLEY_ACCESS_TOKEN_TTL_SECONDS', 900, 'access token lifetime (at most 15 minutes)', 1, 900),
  refreshTtl: int('PARLEY_REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 'refresh token lifetime', 60),
  passwordHashCost: oneOf(
    'PARLEY_PASSWORD_HASH_COST',
    'standard',
    ['standard', 'test'] as const,
    'argon2id cost of new password hashes: standard (OWASP minimum), or test (the library minimum: for test suites only, never in production)',
  ),
  heartbeatMs: int('PARLEY_HEARTBEAT_MS', 25_000, 'heartbeat interval announced to clients in hello', 1000),
  maxBuffered: int('PARLEY_WS_MAX_BUFFERED_BYTES', 1024 * 1024, 'per-socket send buffer bound; a socket over it is closed with 4408', 64 * 1024),
  maxInvalidFrames: int('PARLEY_WS_MAX_INVALID_FRAMES', 20, 'invalid frames tolerated per connection before closing with 1008', 1),
  restSendTimeoutMs: int('PARLEY_REST_SEND_TIMEOUT_MS', 10_000, 'how long a REST send waits for its persisted ack before 503', 100),
  sendRate: int('PARLEY_SEND_RATE_PER_SECOND', 50, 'sustained sends per second per connection before 4429/429', 1),
  connectionTtlMs: int('PARLEY_PRESENCE_TTL_MS', 30_000, 'a connection not refreshed for this long is offline (gateway crash bound)', 1000),
  largeGroupThreshold: int('PARLEY_LARGE_GROUP_THRESHOLD', 1000, 'member count above which typing is sampled and receipts are counts', 2),
  typingSampleMs: int('PARLEY_TYPING_SAMPLE_MS', 2000, 'large groups: at most one typing frame per conversation per interval', 100),
  logPartitions: int('PARLEY_LOG_PARTITIONS', 16, 'partitions of the ingress and events topics', 1, 1024),
  kafkaBrokers: list('PARLEY_KAFKA_BROKERS', ['127.0.0.1:9092'], 'mesh: Kafka bootstrap brokers'),
  kafkaReplication: int('PARLEY_KAFKA_REPLICATION_FACTOR', 1, 'mesh: replication factor of the topics Parley creates (3 with min.insync.replicas=2 in production)', 1, 7),
  cassandraContactPoints: list('PARLEY_CASSANDRA_CONTACT_POINTS', ['127.0.0.1:9042'], 'mesh: Cassandra/ScyllaDB contact points'),
  cassandraDc: str('PARLEY_CASSANDRA_DC', 'datacenter1', 'mesh: Cassandra/ScyllaDB local data center'),
  cassandraKeyspace: str('PARLEY_CASSANDRA_KEYSPACE', 'parley', 'mesh: keyspace for messages'),
  postgresUrl: str('PARLEY_POSTGRES_URL', 'postgres://parley:parley@127.0.0.1:55432/parley', 'mesh: Postgres connection URL'),
  redisUrl: str('PARLEY_REDIS_URL', 'redis://127.0.0.1:56379', 'mesh: Redis URL'),
  authAddr: str('PARLEY_AUTH_ADDR', '127.0.0.1:7101', 'mesh: the auth service gRPC address'),
  messagingAddr: str('PARLEY_MESSAGING_ADDR', '127.0.0.1:7102', 'mesh: the messaging service gRPC address (listen); clients accept a comma list of replicas'),
  presenceAddr: str('PARLEY_PRESENCE_ADDR', '127.0.0.1:7103', 'mesh: the presence service gRPC address'),
  gatewayDeliveryAddr: str('PARLEY_GATEWAY_DELIVERY_ADDR', '127.0.0.1:7110', 'mesh: where this gateway receives fanout; also its gateway id'),
} as const;

function read<T>(env: Record<string, string | undefined>, s: Setting<T>): T {
  const raw = env[s.env];
  return raw === undefined || raw === '' ? s.default : s.parse(raw);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ParleyConfig {
  const s = settings;
  return {
    mode: read(env, s.mode),
    host: read(env, s.host),
    port: read(env, s.port),
    admin: { host: read(env, s.adminHost), port: read(env, s.adminPort) },
    dataDir: read(env, s.dataDir),
    webDir: read(env, s.webDir),
    logLevel: read(env, s.logLevel),
    gatewayId: read(env, s.gatewayId) || `gw-${Math.random().toString(36).slice(2, 10)}`,
    auth: {
      issuer: read(env, s.issuer),
      audience: read(env, s.audience),
      accessTtlSeconds: read(env, s.accessTtl),
      refreshTtlSeconds: read(env, s.refreshTtl),
      passwordHashCost: read(env, s.passwordHashCost),
    },
    gateway: {
      heartbeatMs: read(env, s.heartbeatMs),
      maxBufferedBytes: read(env, s.maxBuffered),
      maxInvalidFrames: read(env, s.maxInvalidFrames),
      restSendTimeoutMs: read(env, s.restSendTimeoutMs),
      sendRatePerSecond: read(env, s.sendRate),
    },
    presence: { connectionTtlMs: read(env, s.connectionTtlMs) },
    largeGroup: { threshold: read(env, s.largeGroupThreshold), typingSampleMs: read(env, s.typingSampleMs) },
    log: { partitions: read(env, s.logPartitions) },
    kafka: { brokers: read(env, s.kafkaBrokers), replicationFactor: read(env, s.kafkaReplication) },
    cassandra: { contactPoints: read(env, s.cassandraContactPoints), localDataCenter: read(env, s.cassandraDc), keyspace: read(env, s.cassandraKeyspace) },
    postgresUrl: read(env, s.postgresUrl),
    redisUrl: read(env, s.redisUrl),
    grpc: { auth: read(env, s.authAddr), messaging: read(env, s.messagingAddr), presence: read(env, s.presenceAddr), gatewayDelivery: read(env, s.gatewayDeliveryAddr) },
  };
}

export const CONFIG = Symbol('ParleyConfig');
