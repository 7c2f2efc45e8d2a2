import { loadConfig } from './config';

describe('loadConfig', () => {
  it('uses defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.mode).toBe('standalone');
    expect(c.auth.accessTtlSeconds).toBe(900);
    expect(c.gatewayId).toMatch(/^gw-/);
  });

  it('parses and validates values', () => {
    const c = loadConfig({ PARLEY_PORT: '9000', PARLEY_KAFKA_BROKERS: 'a:1, b:2', PARLEY_MODE: 'mesh' });
    expect(c.port).toBe(9000);
    expect(c.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(c.mode).toBe('mesh');
  });

  it('keeps production password hashing unless a test suite asks otherwise', () => {
    expect(loadConfig({}).auth.passwordHashCost).toBe('standard');
    expect(loadConfig({ PARLEY_PASSWORD_HASH_COST: 'test' }).auth.passwordHashCost).toBe('test');
    expect(() => loadConfig({ PARLEY_PASSWORD_HASH_COST: 'cheap' })).toThrow(/PARLEY_PASSWORD_HASH_COST/);
  });

  it('reads the mesh addresses and Kafka replication', () => {
    const c = loadConfig({ PARLEY_MESSAGING_ADDR: '127.0.0.1:1,127.0.0.1:2', PARLEY_KAFKA_REPLICATION_FACTOR: '3' });
    expect(c.grpc.messaging).toBe('127.0.0.1:1,127.0.0.1:2');
    expect(c.kafka.replicationFactor).toBe(3);
    expect(() => loadConfig({ PARLEY_KAFKA_REPLICATION_FACTOR: '0' })).toThrow(/PARLEY_KAFKA_REPLICATION_FACTOR/);
  });

  it('keeps the admin port off and on loopback unless asked, and validates it', () => {
    expect(loadConfig({}).admin).toEqual({ host: '127.0.0.1', port: 0 });
    expect(loadConfig({ PARLEY_ADMIN_PORT: '' }).admin.port).toBe(0);
    expect(loadConfig({ PARLEY_ADMIN_PORT: '9090', PARLEY_ADMIN_HOST: '0.0.0.0' }).admin).toEqual({ host: '0.0.0.0', port: 9090 });
    for (const bad of ['-1', '65536', '90.5', 'admin']) expect(() => loadConfig({ PARLEY_ADMIN_PORT: bad })).toThrow(/PARLEY_ADMIN_PORT must be an integer in \[0, 65535\]/);
  });

  it('rejects invalid values at boot with the variable name', () => {
    expect(() => loadConfig({ PARLEY_PORT: 'eighty' })).toThrow(/PARLEY_PORT/);
    expect(() => loadConfig({ PARLEY_ACCESS_TOKEN_TTL_SECONDS: '3600' })).toThrow(/PARLEY_ACCESS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ PARLEY_MODE: 'cluster' })).toThrow(/PARLEY_MODE/);
  });

  it('keeps push providers off by default and validates the push settings', () => {
    const c = loadConfig({});
    expect(c.push.fcm.credentialsFile).toBe('');
    expect(c.push.apns.keyFile).toBe('');
    expect(c.push.apns.production).toBe(true);
    expect(c.push.coalesceMs).toBe(2000);
    expect(c.grpc.notification).toBe('127.0.0.1:7104');
    const on = loadConfig({ PARLEY_PUSH_APNS_KEY_FILE: '/s/key.p8', PARLEY_PUSH_APNS_PRODUCTION: 'false', PARLEY_PUSH_COALESCE_MS: '500' });
    expect(on.push.apns).toMatchObject({ keyFile: '/s/key.p8', production: false });
    expect(on.push.coalesceMs).toBe(500);
    expect(() => loadConfig({ PARLEY_PUSH_APNS_PRODUCTION: 'yes' })).toThrow(/PARLEY_PUSH_APNS_PRODUCTION must be true or false/);
    expect(() => loadConfig({ PARLEY_PUSH_COALESCE_MS: '-1' })).toThrow(/PARLEY_PUSH_COALESCE_MS/);
  });
});

describe('deployment settings (issue 11)', () => {
  it('defaults keep standalone and test behaviour: no drain window, processes create what they need, no prefix, no credentials', () => {
    const c = loadConfig({});
    expect(c.gateway.drainMs).toBe(0);
    expect(c.schemaSetup).toBe('create');
    expect(c.kafka).toMatchObject({ namePrefix: '', minInsyncReplicas: 0, sasl: null });
    expect(c.cassandra).toMatchObject({ replication: {}, credentials: null });
    expect(c.auth).toMatchObject({ signingKeysDir: '', activeKid: '' });
  });

  it('reads what the chart sets', () => {
    const c = loadConfig({
      PARLEY_DRAIN_MS: '20000',
      PARLEY_SCHEMA_SETUP: 'verify',
      PARLEY_KAFKA_NAME_PREFIX: 'eu.',
      PARLEY_KAFKA_MIN_INSYNC_REPLICAS: '2',
      PARLEY_CASSANDRA_REPLICATION: 'dc1:3, dc2:2',
      PARLEY_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      PARLEY_KAFKA_SASL_USERNAME: 'parley',
      PARLEY_KAFKA_SASL_PASSWORD: 'secret',
      PARLEY_CASSANDRA_USERNAME: 'parley',
      PARLEY_CASSANDRA_PASSWORD: 'secret',
      PARLEY_JWT_KEYS_DIR: '/etc/parley/jwt-keys',
      PARLEY_JWT_ACTIVE_KID: '2026-04',
    });
    expect(c.gateway.drainMs).toBe(20_000);
    expect(c.schemaSetup).toBe('verify');
    expect(c.kafka).toMatchObject({ namePrefix: 'eu.', minInsyncReplicas: 2, sasl: { mechanism: 'scram-sha-512', username: 'parley', password: 'secret' } });
    expect(c.cassandra).toMatchObject({ replication: { dc1: 3, dc2: 2 }, credentials: { username: 'parley', password: 'secret' } });
    expect(c.auth).toMatchObject({ signingKeysDir: '/etc/parley/jwt-keys', activeKid: '2026-04' });
  });

  it('refuses incomplete or malformed deployment settings, naming the variable', () => {
    expect(() => loadConfig({ PARLEY_DRAIN_MS: '-1' })).toThrow(/PARLEY_DRAIN_MS/);
    expect(() => loadConfig({ PARLEY_SCHEMA_SETUP: 'maybe' })).toThrow(/PARLEY_SCHEMA_SETUP/);
    expect(() => loadConfig({ PARLEY_KAFKA_NAME_PREFIX: 'a b' })).toThrow(/PARLEY_KAFKA_NAME_PREFIX/);
    expect(() => loadConfig({ PARLEY_CASSANDRA_REPLICATION: 'dc1=3' })).toThrow(/PARLEY_CASSANDRA_REPLICATION/);
    expect(() => loadConfig({ PARLEY_KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/PARLEY_KAFKA_SASL_MECHANISM/);
    expect(() => loadConfig({ PARLEY_KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toThrow(/needs PARLEY_KAFKA_SASL_USERNAME/);
    expect(() => loadConfig({ PARLEY_KAFKA_SASL_USERNAME: 'u', PARLEY_KAFKA_SASL_PASSWORD: 'p' })).toThrow(/need PARLEY_KAFKA_SASL_MECHANISM/);
    expect(() => loadConfig({ PARLEY_CASSANDRA_USERNAME: 'u' })).toThrow(/go together/);
  });
});

describe('TLS settings of Kafka, Cassandra and gRPC (issue 11)', () => {
  it('are off by default', () => {
    const c = loadConfig({});
    expect([c.kafka.tls, c.cassandra.tls, c.grpc.tls]).toEqual([null, null, null]);
  });

  it('read the switch and the PEM files of each connection', () => {
    const c = loadConfig({
      PARLEY_KAFKA_TLS: 'true',
      PARLEY_KAFKA_TLS_CA_FILE: '/tls/kafka/ca.crt',
      PARLEY_CASSANDRA_TLS: 'true',
      PARLEY_CASSANDRA_TLS_CERT_FILE: '/tls/cassandra/tls.crt',
      PARLEY_CASSANDRA_TLS_KEY_FILE: '/tls/cassandra/tls.key',
      PARLEY_CASSANDRA_TLS_VERIFY_HOSTNAME: 'false',
      PARLEY_GRPC_TLS: 'true',
      PARLEY_GRPC_TLS_CA_FILE: '/tls/grpc/ca.crt',
      PARLEY_GRPC_TLS_CERT_FILE: '/tls/grpc/tls.crt',
      PARLEY_GRPC_TLS_KEY_FILE: '/tls/grpc/tls.key',
      PARLEY_GRPC_TLS_CLIENT_AUTH: 'true',
      PARLEY_GRPC_TLS_SERVER_NAME: 'parley.internal',
    });
    expect(c.kafka.tls).toEqual({ caFile: '/tls/kafka/ca.crt', certFile: '', keyFile: '' });
    expect(c.cassandra.tls).toEqual({ caFile: '', certFile: '/tls/cassandra/tls.crt', keyFile: '/tls/cassandra/tls.key', verifyHostname: false });
    expect(c.grpc.tls).toEqual({ caFile: '/tls/grpc/ca.crt', certFile: '/tls/grpc/tls.crt', keyFile: '/tls/grpc/tls.key', mutual: true, serverName: 'parley.internal' });
    expect(loadConfig({ PARLEY_CASSANDRA_TLS: 'true' }).cassandra.tls).toEqual({ caFile: '', certFile: '', keyFile: '', verifyHostname: true });
  });

  it('refuse files without the switch, a certificate without its key, and gRPC TLS without a certificate or mutual TLS without a CA', () => {
    expect(() => loadConfig({ PARLEY_KAFKA_TLS_CA_FILE: '/ca' })).toThrow(/need PARLEY_KAFKA_TLS=true/);
    expect(() => loadConfig({ PARLEY_KAFKA_TLS: 'yes' })).toThrow(/PARLEY_KAFKA_TLS must be true or false/);
    expect(() => loadConfig({ PARLEY_CASSANDRA_TLS: 'true', PARLEY_CASSANDRA_TLS_CERT_FILE: '/c' })).toThrow(/PARLEY_CASSANDRA_TLS_CERT_FILE and PARLEY_CASSANDRA_TLS_KEY_FILE go together/);
    expect(() => loadConfig({ PARLEY_GRPC_TLS: 'true' })).toThrow(/needs PARLEY_GRPC_TLS_CERT_FILE/);
    expect(() => loadConfig({ PARLEY_GRPC_TLS_CLIENT_AUTH: 'true' })).toThrow(/need PARLEY_GRPC_TLS=true/);
    expect(() => loadConfig({ PARLEY_GRPC_TLS: 'true', PARLEY_GRPC_TLS_CERT_FILE: '/c', PARLEY_GRPC_TLS_KEY_FILE: '/k', PARLEY_GRPC_TLS_CLIENT_AUTH: 'true' })).toThrow(/needs PARLEY_GRPC_TLS_CA_FILE/);
  });
});
