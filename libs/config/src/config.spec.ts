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
