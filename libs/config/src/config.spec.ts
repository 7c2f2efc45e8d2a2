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

  it('rejects invalid values at boot with the variable name', () => {
    expect(() => loadConfig({ PARLEY_PORT: 'eighty' })).toThrow(/PARLEY_PORT/);
    expect(() => loadConfig({ PARLEY_ACCESS_TOKEN_TTL_SECONDS: '3600' })).toThrow(/PARLEY_ACCESS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ PARLEY_MODE: 'cluster' })).toThrow(/PARLEY_MODE/);
  });
});
