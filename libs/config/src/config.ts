import { checkGrpcTls, checkTlsFiles, GrpcTls, TlsFiles } from './tls';

/**
 * Parley's configuration, parsed and validated once at boot into a typed object. Nothing reads
 * process.env after this. Every setting has a default and a one-line description.
 */
import { flag, int, list, oneOf, read, str, type Setting } from './setting';
import { loadOtpConfig, OtpConfig, otpSettings } from './otp-config';

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
  auth: {
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    passwordHashCost: 'standard' | 'test';
    signingKeysDir: string;
    activeKid: string;
    codes: OtpConfig['codes'];
  };
  gateway: {
    heartbeatMs: number;
    maxBufferedBytes: number;
    maxInvalidFrames: number;
    restSendTimeoutMs: number;
    sendRatePerSecond: number;
    signalRatePerSecond: number;
    /** Reactions (add or remove) per second per user, over REST and WebSocket together (issue 13). */
    reactionRatePerSecond: number;
    authLimits: { attemptsPerMinute: number; registrationsPerMinute: number; failuresPerAccount: number; codeRequestsPerMinute: number };
    clientAddressHeader: string;
    /** SIGTERM: how long the gateway takes to close its sockets (1012), spread over this window. */
    drainMs: number;
  };
  presence: { connectionTtlMs: number };
  /** Call signaling (docs/adr/0013-call-signaling.md). */
  calls: { ringTimeoutMs: number; iceRatePerSecond: number };
  largeGroup: { threshold: number; typingSampleMs: number };
  /** Sends' claims are kept whole this long, then only in their compact form (docs/adr/0003). */
  messaging: { claimWindowHours: number; anonRejoinWindowSeconds: number };
  log: { partitions: number };
  /** create: each process creates what it needs (standalone, tests); verify: it checks that the setup job did. */
  schemaSetup: 'create' | 'verify';
  kafka: {
    brokers: string[];
    replicationFactor: number;
    minInsyncReplicas: number;
    namePrefix: string;
    /** SASL/SCRAM; null: none. */
    sasl: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | null;
    /** TLS to the brokers (SSL or SASL_SSL listeners); null: plaintext. */
    tls: TlsFiles | null;
  };
  cassandra: {
    contactPoints: string[];
    localDataCenter: string;
    keyspace: string;
    replication: Record<string, number>;
    /** null: no authentication. */
    credentials: { username: string; password: string } | null;
    /** Client-to-node encryption; null: plaintext. */
    tls: (TlsFiles & { verifyHostname: boolean }) | null;
  };
  postgresUrl: string;
  redisUrl: string;
  /** rediss://: CA file that signed Redis's certificate; empty: the system's CAs. */
  redisTlsCaFile: string;
  /** Mesh: gRPC addresses (listen for the owner, connect for the others). */
  grpc: { auth: string; messaging: string; presence: string; gatewayDelivery: string; notification: string; tls: GrpcTls | null };
  push: PushConfig;
  otp: OtpConfig;
  attachments: AttachmentsConfig;
}

/** Attachments (docs/adr/0011-attachments.md): standalone keeps files on disk, the mesh in an S3 bucket. */
export interface AttachmentsConfig {
  limits: { maxBytes: number; uploadTtlSeconds: number; downloadTtlSeconds: number; thumbnailPx: number };
  /** Standalone: the file with the key that signs file URLs; empty: `<data dir>/attachments.key` (made on first start). */
  signingKeyFile: string;
  s3: { endpoint: string; publicEndpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean };
}

/** Push notifications (docs/notifications.md). A provider without credentials stays off. */
export interface PushConfig {
  coalesceMs: number;
  outboxMax: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  breakerThreshold: number;
  breakerOpenMs: number;
  /** Extra CA certificates (PEM file) trusted by both providers; empty = the system's. */
  caFile: string;
  fcm: { credentialsFile: string; projectId: string };
  apns: { keyFile: string; keyId: string; teamId: string; topic: string; production: boolean; address: string };
}


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
  jwtKeysDir: str(
    'PARLEY_JWT_KEYS_DIR',
    '',
    'auth: directory of private signing keys, one Ed25519 JWK per file (a mounted Secret); all are published, PARLEY_JWT_ACTIVE_KID signs. Empty: one key kept in the database',
  ),
  jwtActiveKid: str('PARLEY_JWT_ACTIVE_KID', '', 'auth: the kid that signs new access tokens when PARLEY_JWT_KEYS_DIR holds several keys'),
  heartbeatMs: int('PARLEY_HEARTBEAT_MS', 25_000, 'heartbeat interval announced to clients in hello', 1000),
  maxBuffered: int('PARLEY_WS_MAX_BUFFERED_BYTES', 1024 * 1024, 'per-socket send buffer bound; a socket over it is closed with 4408', 64 * 1024),
  maxInvalidFrames: int('PARLEY_WS_MAX_INVALID_FRAMES', 20, 'invalid frames tolerated per connection before closing with 1008', 1),
  restSendTimeoutMs: int('PARLEY_REST_SEND_TIMEOUT_MS', 10_000, 'how long a REST send waits for its persisted ack before 503', 100),
  sendRate: int('PARLEY_SEND_RATE_PER_SECOND', 50, 'sustained sends per second per connection before 4429/429', 1),
  authAttempts: int('PARLEY_AUTH_ATTEMPTS_PER_MINUTE', 60, 'sign-in, refresh and sign-up attempts per minute per client address before 429', 1),
  registrations: int('PARLEY_REGISTRATIONS_PER_MINUTE', 10, 'sign-ups per minute per client address before 429', 1),
  loginFailures: int('PARLEY_LOGIN_FAILURES_PER_ACCOUNT', 5, 'failed sign-ins one address may make against one account before it waits (then one a minute)', 1),
  clientAddressHeader: str('PARLEY_CLIENT_ADDRESS_HEADER', '', 'header a trusted proxy sets to the client address (its last entry is used, e.g. x-forwarded-for); empty: the peer address'),
  signalRate: int('PARLEY_SIGNAL_RATE_PER_SECOND', 10, 'typing and read frames per second per connection (twice that per user); typing over it is dropped, read answered RATE_LIMITED', 1),
  reactionRate: int('PARLEY_REACTION_RATE_PER_SECOND', 5, 'reactions (add or remove) per second per user, twice that as a burst; over it: RATE_LIMITED', 1),
  drainMs: int(
    'PARLEY_DRAIN_MS',
    0,
    'gateway drain window on SIGTERM: not ready at once, upgrades refused, sockets closed with 1012 spread over this many ms (0: all at once); the chart ties terminationGracePeriodSeconds to it',
    0,
    600_000,
  ),
  connectionTtlMs: int('PARLEY_PRESENCE_TTL_MS', 30_000, 'a connection not refreshed for this long is offline (gateway crash bound)', 1000),
  callRingTimeoutMs: int('PARLEY_CALL_RING_TIMEOUT_MS', 30_000, 'calls: how long a call rings before the callees not answering missed it', 1000, 600_000),
  callIceRate: int('PARLEY_CALL_ICE_RATE_PER_SECOND', 20, 'calls: ICE candidates per second per connection (twice that as a burst); more are answered RATE_LIMITED', 1),
  largeGroupThreshold: int('PARLEY_LARGE_GROUP_THRESHOLD', 1000, 'member count above which typing is sampled and receipts are counts', 2),
  typingSampleMs: int('PARLEY_TYPING_SAMPLE_MS', 2000, 'large groups: at most one typing frame per conversation per interval', 100),
  anonRejoinWindowSeconds: int('PARLEY_ANON_REJOIN_WINDOW_S', 300, 'anonymous groups: a member who left and is added back within this many seconds keeps their pseudonym (docs/adr/0016)', 0, 30 * 24 * 3600),
  claimWindowHours: int('PARLEY_SEND_CLAIM_WINDOW_HOURS', 24, 'hours a send claim is kept whole; after it only (sender, client_msg_id) hash and seq remain', 1, 24 * 365),
  logPartitions: int('PARLEY_LOG_PARTITIONS', 16, 'partitions of the ingress and events topics', 1, 1024),
  kafkaBrokers: list('PARLEY_KAFKA_BROKERS', ['127.0.0.1:9092'], 'mesh: Kafka bootstrap brokers'),
  kafkaReplication: int('PARLEY_KAFKA_REPLICATION_FACTOR', 1, 'mesh: replication factor of the topics Parley creates (3 with min.insync.replicas=2 in production)', 1, 7),
  kafkaMinInsync: int('PARLEY_KAFKA_MIN_INSYNC_REPLICAS', 0, 'mesh: min.insync.replicas of the topics Parley creates (2 with a replication factor of 3); 0: the broker default', 0, 7),
  kafkaNamePrefix: {
    env: 'PARLEY_KAFKA_NAME_PREFIX',
    description: 'mesh: put before every Kafka topic and consumer group name (the chart uses "<release>."), so installs can share a Kafka',
    default: '',
    parse: (r: string) => {
      if (!/^[A-Za-z0-9._-]{1,100}$/.test(r)) throw new Error(`PARLEY_KAFKA_NAME_PREFIX must be 1..100 characters of [A-Za-z0-9._-], got "${r}"`);
      return r;
    },
  } satisfies Setting<string>,
  schemaSetup: oneOf(
    'PARLEY_SCHEMA_SETUP',
    'create',
    ['create', 'verify'] as const,
    'mesh: create (each process creates its keyspace, tables, migrations and topics if missing) or verify (it only checks that they exist: the chart runs the setup job, apps/setup, once per install and upgrade)',
  ),
  cassandraReplication: {
    env: 'PARLEY_CASSANDRA_REPLICATION',
    description: 'mesh: replicas per data center of a keyspace Parley creates, "dc1:3,dc2:3" (NetworkTopologyStrategy); empty: SimpleStrategy with 1 replica (a local node)',
    default: {} as Record<string, number>,
    parse: (r: string) => {
      const out: Record<string, number> = {};
      for (const part of r.split(',').map((s) => s.trim()).filter(Boolean)) {
        const m = /^([A-Za-z0-9_-]{1,64}):([1-9])$/.exec(part);
        if (!m) throw new Error(`PARLEY_CASSANDRA_REPLICATION must look like "dc1:3,dc2:3", got "${r}"`);
        out[m[1]] = Number(m[2]);
      }
      return out;
    },
  } satisfies Setting<Record<string, number>>,
  kafkaSaslMechanism: oneOf('PARLEY_KAFKA_SASL_MECHANISM', 'none', ['none', 'scram-sha-256', 'scram-sha-512'] as const, 'mesh: SASL mechanism towards Kafka (SCRAM; with PARLEY_KAFKA_TLS a SASL_SSL listener, else SASL_PLAINTEXT)'),
  kafkaSaslUsername: str('PARLEY_KAFKA_SASL_USERNAME', '', 'mesh: Kafka SASL user (with PARLEY_KAFKA_SASL_MECHANISM)'),
  kafkaSaslPassword: str('PARLEY_KAFKA_SASL_PASSWORD', '', 'mesh: Kafka SASL password (from a Secret)'),
  // TLS to Kafka, Cassandra and between the services (docs/deploy.md, "TLS"): PEM files, e.g. a mounted Secret.
  kafkaTls: flag('PARLEY_KAFKA_TLS', false, 'mesh: connect to Kafka over TLS (an SSL or SASL_SSL listener); the broker certificate and name are verified'),
  kafkaTlsCaFile: str('PARLEY_KAFKA_TLS_CA_FILE', '', 'mesh: PEM file of the CA that signed the Kafka brokers; empty: the system CAs'),
  kafkaTlsCertFile: str('PARLEY_KAFKA_TLS_CERT_FILE', '', 'mesh: client certificate (PEM) for brokers that require one (ssl.client.auth=required), with PARLEY_KAFKA_TLS_KEY_FILE'),
  kafkaTlsKeyFile: str('PARLEY_KAFKA_TLS_KEY_FILE', '', 'mesh: private key (PEM) of PARLEY_KAFKA_TLS_CERT_FILE'),
  cassandraTls: flag('PARLEY_CASSANDRA_TLS', false, 'mesh: client-to-node encryption towards Cassandra/ScyllaDB; the node certificates are verified'),
  cassandraTlsCaFile: str('PARLEY_CASSANDRA_TLS_CA_FILE', '', 'mesh: PEM file of the CA that signed the Cassandra nodes; empty: the system CAs'),
  cassandraTlsCertFile: str('PARLEY_CASSANDRA_TLS_CERT_FILE', '', 'mesh: client certificate (PEM) for nodes that require one (require_client_auth), with PARLEY_CASSANDRA_TLS_KEY_FILE'),
  cassandraTlsKeyFile: str('PARLEY_CASSANDRA_TLS_KEY_FILE', '', 'mesh: private key (PEM) of PARLEY_CASSANDRA_TLS_CERT_FILE'),
  cassandraTlsVerifyHostname: flag('PARLEY_CASSANDRA_TLS_VERIFY_HOSTNAME', true, 'mesh: also check that a node certificate names the address the driver dialled (the driver dials the IPs nodes announce; false: chain check only, for certificates without node IPs)'),
  grpcTls: flag('PARLEY_GRPC_TLS', false, 'mesh: gRPC between the services over TLS: servers present PARLEY_GRPC_TLS_CERT_FILE, clients verify it against PARLEY_GRPC_TLS_CA_FILE'),
  grpcTlsCaFile: str('PARLEY_GRPC_TLS_CA_FILE', '', 'mesh: PEM file of the CA that signed the services (and with client auth, the clients); empty: the system CAs'),
  grpcTlsCertFile: str('PARLEY_GRPC_TLS_CERT_FILE', '', "mesh: this process's certificate (PEM), served and, with client auth, presented to its peers"),
  grpcTlsKeyFile: str('PARLEY_GRPC_TLS_KEY_FILE', '', 'mesh: private key (PEM) of PARLEY_GRPC_TLS_CERT_FILE'),
  grpcTlsClientAuth: flag('PARLEY_GRPC_TLS_CLIENT_AUTH', false, 'mesh: mutual TLS: servers refuse clients without a certificate signed by PARLEY_GRPC_TLS_CA_FILE'),
  grpcTlsServerName: str('PARLEY_GRPC_TLS_SERVER_NAME', '', 'mesh: the name clients expect in every server certificate (one certificate for all services); empty: the host of each address'),
  cassandraUsername: str('PARLEY_CASSANDRA_USERNAME', '', 'mesh: Cassandra/ScyllaDB user; empty: no authentication'),
  cassandraPassword: str('PARLEY_CASSANDRA_PASSWORD', '', 'mesh: Cassandra/ScyllaDB password (from a Secret)'),
  cassandraContactPoints: list('PARLEY_CASSANDRA_CONTACT_POINTS', ['127.0.0.1:9042'], 'mesh: Cassandra/ScyllaDB contact points'),
  cassandraDc: str('PARLEY_CASSANDRA_DC', 'datacenter1', 'mesh: Cassandra/ScyllaDB local data center'),
  cassandraKeyspace: str('PARLEY_CASSANDRA_KEYSPACE', 'parley', 'mesh: keyspace for messages'),
  postgresUrl: str('PARLEY_POSTGRES_URL', 'postgres://parley:parley@127.0.0.1:55432/parley', 'mesh: Postgres connection URL'),
  redisUrl: str('PARLEY_REDIS_URL', 'redis://127.0.0.1:56379', 'mesh: Redis URL (rediss:// for TLS)'),
  redisTlsCaFile: str('PARLEY_REDIS_TLS_CA_FILE', '', 'mesh: with a rediss:// URL, the PEM file of the CA that signed the server certificate; empty: the system CAs'),
  authAddr: str('PARLEY_AUTH_ADDR', '127.0.0.1:7101', 'mesh: the auth service gRPC address'),
  messagingAddr: str('PARLEY_MESSAGING_ADDR', '127.0.0.1:7102', 'mesh: the messaging service gRPC address (listen); clients accept a comma list of replicas'),
  presenceAddr: str('PARLEY_PRESENCE_ADDR', '127.0.0.1:7103', 'mesh: the presence service gRPC address'),
  gatewayDeliveryAddr: str('PARLEY_GATEWAY_DELIVERY_ADDR', '127.0.0.1:7110', 'mesh: where this gateway receives fanout; also its gateway id'),
  notificationAddr: str('PARLEY_NOTIFICATION_ADDR', '127.0.0.1:7104', 'mesh: the notification service gRPC address (devices and notification settings)'),
  pushCoalesceMs: int('PARLEY_PUSH_COALESCE_MS', 2000, 'a user gets at most one push per conversation per this window; the push carries the count', 0, 60_000),
  pushOutboxMax: int('PARLEY_PUSH_OUTBOX_MAX', 100_000, 'pushes waiting at most; past it new pushes are dropped and counted', 1),
  pushMaxAttempts: int('PARLEY_PUSH_MAX_ATTEMPTS', 8, 'attempts per push before it is given up', 1, 100),
  pushBackoffBaseMs: int('PARLEY_PUSH_BACKOFF_BASE_MS', 500, 'first retry delay (exponential, full jitter; never below Retry-After)', 1),
  pushBackoffMaxMs: int('PARLEY_PUSH_BACKOFF_MAX_MS', 60_000, 'longest retry delay', 1),
  pushBreakerThreshold: int('PARLEY_PUSH_BREAKER_THRESHOLD', 5, 'consecutive provider failures that open its circuit breaker', 1),
  pushBreakerOpenMs: int('PARLEY_PUSH_BREAKER_OPEN_MS', 30_000, 'how long an open breaker holds pushes before one trial', 100),
  pushCaFile: str('PARLEY_PUSH_CA_FILE', '', 'extra CA certificates (PEM file) the push providers trust, e.g. an egress proxy; empty: the system CAs'),
  fcmCredentialsFile: str('PARLEY_PUSH_FCM_CREDENTIALS_FILE', '', 'FCM: service-account JSON file (a mounted Secret); empty: FCM off'),
  fcmProjectId: str('PARLEY_PUSH_FCM_PROJECT_ID', '', "FCM: project id; empty: the service account's project_id"),
  apnsKeyFile: str('PARLEY_PUSH_APNS_KEY_FILE', '', 'APNs: the .p8 token-signing key file (a mounted Secret); empty: APNs off'),
  apnsKeyId: str('PARLEY_PUSH_APNS_KEY_ID', '', 'APNs: the key id of the .p8 key'),
  apnsTeamId: str('PARLEY_PUSH_APNS_TEAM_ID', '', 'APNs: the Apple developer team id'),
  apnsTopic: str('PARLEY_PUSH_APNS_TOPIC', '', "APNs: the default topic (bundle id) for devices that registered none"),
  apnsProduction: flag('PARLEY_PUSH_APNS_PRODUCTION', true, 'APNs: true sends to production (devices registered with sandbox still go to the sandbox); false sends everything to the sandbox'),
  apnsAddress: str('PARLEY_PUSH_APNS_ADDRESS', '', "APNs: host[:port] instead of Apple's (an HTTP/2 egress proxy, a test server)"),
  ...otpSettings,
  // Attachments.
  attachmentMaxBytes: int('PARLEY_ATTACHMENT_MAX_BYTES', 10 * 1024 * 1024, 'largest attachment accepted, in bytes (declared at upload, enforced by the upload URL, checked at send)', 1, 1024 * 1024 * 1024),
  attachmentUploadTtl: int('PARLEY_ATTACHMENT_UPLOAD_TTL_SECONDS', 300, 'how long an upload URL is valid', 10, 3600),
  attachmentDownloadTtl: int('PARLEY_ATTACHMENT_DOWNLOAD_TTL_SECONDS', 300, 'how long a download URL is valid (issued to members only)', 1, 3600),
  attachmentThumbnailPx: int('PARLEY_ATTACHMENT_THUMBNAIL_PX', 320, 'longer side of image thumbnails, in pixels', 16, 2048),
  attachmentSigningKeyFile: str('PARLEY_ATTACHMENT_SIGNING_KEY_FILE', '', 'standalone: file holding the key (base64url, 32+ bytes) that signs file URLs; empty: <data dir>/attachments.key, made on first start'),
  s3Endpoint: str('PARLEY_S3_ENDPOINT', 'http://127.0.0.1:18333', 'mesh: the S3 API endpoint Parley uses for attachments'),
  s3PublicEndpoint: str('PARLEY_S3_PUBLIC_ENDPOINT', '', 'mesh: the S3 endpoint clients reach (the host of presigned URLs); empty: PARLEY_S3_ENDPOINT'),
  s3Region: str('PARLEY_S3_REGION', 'us-east-1', 'mesh: S3 region (signing)'),
  s3Bucket: str('PARLEY_S3_BUCKET', 'parley-attachments', 'mesh: the bucket attachments are kept in (created when PARLEY_SCHEMA_SETUP=create)'),
  s3AccessKeyId: str('PARLEY_S3_ACCESS_KEY_ID', '', 'mesh: S3 access key id (from a Secret)'),
  s3SecretAccessKey: str('PARLEY_S3_SECRET_ACCESS_KEY', '', 'mesh: S3 secret access key (from a Secret)'),
  s3ForcePathStyle: flag('PARLEY_S3_FORCE_PATH_STYLE', true, 'mesh: path-style S3 URLs (endpoint/bucket/key), as self-hosted S3 servers need'),
} as const;

export function loadConfig(env: Record<string, string | undefined> = process.env): ParleyConfig {
  const s = settings;
  const mode = read(env, s.mode);
  const otp = loadOtpConfig(env, mode);
  return {
    mode,
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
      signingKeysDir: read(env, s.jwtKeysDir),
      activeKid: read(env, s.jwtActiveKid),
      codes: otp.codes,
    },
    gateway: {
      heartbeatMs: read(env, s.heartbeatMs),
      maxBufferedBytes: read(env, s.maxBuffered),
      maxInvalidFrames: read(env, s.maxInvalidFrames),
      restSendTimeoutMs: read(env, s.restSendTimeoutMs),
      sendRatePerSecond: read(env, s.sendRate),
      signalRatePerSecond: read(env, s.signalRate),
      reactionRatePerSecond: read(env, s.reactionRate),
      authLimits: { attemptsPerMinute: read(env, s.authAttempts), registrationsPerMinute: read(env, s.registrations), failuresPerAccount: read(env, s.loginFailures), codeRequestsPerMinute: otp.requestsPerMinute },
      clientAddressHeader: read(env, s.clientAddressHeader).toLowerCase(),
      drainMs: read(env, s.drainMs),
    },
    presence: { connectionTtlMs: read(env, s.connectionTtlMs) },
    calls: { ringTimeoutMs: read(env, s.callRingTimeoutMs), iceRatePerSecond: read(env, s.callIceRate) },
    largeGroup: { threshold: read(env, s.largeGroupThreshold), typingSampleMs: read(env, s.typingSampleMs) },
    messaging: { claimWindowHours: read(env, s.claimWindowHours), anonRejoinWindowSeconds: read(env, s.anonRejoinWindowSeconds) },
    log: { partitions: read(env, s.logPartitions) },
    schemaSetup: read(env, s.schemaSetup),
    kafka: {
      brokers: read(env, s.kafkaBrokers),
      replicationFactor: read(env, s.kafkaReplication),
      minInsyncReplicas: read(env, s.kafkaMinInsync),
      namePrefix: read(env, s.kafkaNamePrefix),
      sasl: kafkaSasl(env),
      tls: tlsFiles(env, 'kafka'),
    },
    cassandra: {
      contactPoints: read(env, s.cassandraContactPoints),
      localDataCenter: read(env, s.cassandraDc),
      keyspace: read(env, s.cassandraKeyspace),
      replication: read(env, s.cassandraReplication),
      credentials: cassandraCredentials(env),
      tls: cassandraTls(env),
    },
    postgresUrl: read(env, s.postgresUrl),
    redisUrl: read(env, s.redisUrl),
    redisTlsCaFile: read(env, s.redisTlsCaFile),
    grpc: { auth: read(env, s.authAddr), messaging: read(env, s.messagingAddr), presence: read(env, s.presenceAddr), gatewayDelivery: read(env, s.gatewayDeliveryAddr), notification: read(env, s.notificationAddr), tls: grpcTls(env) },
    push: {
      coalesceMs: read(env, s.pushCoalesceMs),
      outboxMax: read(env, s.pushOutboxMax),
      maxAttempts: read(env, s.pushMaxAttempts),
      backoffBaseMs: read(env, s.pushBackoffBaseMs),
      backoffMaxMs: read(env, s.pushBackoffMaxMs),
      breakerThreshold: read(env, s.pushBreakerThreshold),
      breakerOpenMs: read(env, s.pushBreakerOpenMs),
      caFile: read(env, s.pushCaFile),
      fcm: { credentialsFile: read(env, s.fcmCredentialsFile), projectId: read(env, s.fcmProjectId) },
      apns: {
        keyFile: read(env, s.apnsKeyFile),
        keyId: read(env, s.apnsKeyId),
        teamId: read(env, s.apnsTeamId),
        topic: read(env, s.apnsTopic),
        production: read(env, s.apnsProduction),
        address: read(env, s.apnsAddress),
      },
    },
    otp,
    attachments: {
      limits: { maxBytes: read(env, s.attachmentMaxBytes), uploadTtlSeconds: read(env, s.attachmentUploadTtl), downloadTtlSeconds: read(env, s.attachmentDownloadTtl), thumbnailPx: read(env, s.attachmentThumbnailPx) },
      signingKeyFile: read(env, s.attachmentSigningKeyFile),
      s3: {
        endpoint: read(env, s.s3Endpoint),
        publicEndpoint: read(env, s.s3PublicEndpoint),
        region: read(env, s.s3Region),
        bucket: read(env, s.s3Bucket),
        accessKeyId: read(env, s.s3AccessKeyId),
        secretAccessKey: read(env, s.s3SecretAccessKey),
        forcePathStyle: read(env, s.s3ForcePathStyle),
      },
    },
  };
}

function kafkaSasl(env: Record<string, string | undefined>): ParleyConfig['kafka']['sasl'] {
  const mechanism = read(env, settings.kafkaSaslMechanism);
  const username = read(env, settings.kafkaSaslUsername);
  const password = read(env, settings.kafkaSaslPassword);
  if (mechanism === 'none') {
    if (username || password) throw new Error('PARLEY_KAFKA_SASL_USERNAME/PASSWORD need PARLEY_KAFKA_SASL_MECHANISM');
    return null;
  }
  if (!username || !password) throw new Error(`PARLEY_KAFKA_SASL_MECHANISM=${mechanism} needs PARLEY_KAFKA_SASL_USERNAME and PARLEY_KAFKA_SASL_PASSWORD`);
  return { mechanism, username, password };
}

function cassandraCredentials(env: Record<string, string | undefined>): ParleyConfig['cassandra']['credentials'] {
  const username = read(env, settings.cassandraUsername);
  const password = read(env, settings.cassandraPassword);
  if (!username && !password) return null;
  if (!username || !password) throw new Error('PARLEY_CASSANDRA_USERNAME and PARLEY_CASSANDRA_PASSWORD go together');
  return { username, password };
}

/** PARLEY_<SYSTEM>_TLS and its files (libs/config/src/tls.ts checks them). */
function tlsFiles(env: Record<string, string | undefined>, system: 'kafka' | 'cassandra' | 'grpc'): TlsFiles | null {
  const [on, ca, cert, key] = [settings[`${system}Tls`], settings[`${system}TlsCaFile`], settings[`${system}TlsCertFile`], settings[`${system}TlsKeyFile`]];
  return checkTlsFiles({ on: on.env, ca: ca.env, cert: cert.env, key: key.env }, read(env, on), { caFile: read(env, ca), certFile: read(env, cert), keyFile: read(env, key) });
}

function cassandraTls(env: Record<string, string | undefined>): ParleyConfig['cassandra']['tls'] {
  const files = tlsFiles(env, 'cassandra');
  return files && { ...files, verifyHostname: read(env, settings.cassandraTlsVerifyHostname) };
}

const grpcTls = (env: Record<string, string | undefined>): GrpcTls | null => checkGrpcTls(tlsFiles(env, 'grpc'), read(env, settings.grpcTlsClientAuth), read(env, settings.grpcTlsServerName));

export const CONFIG = Symbol('ParleyConfig');
