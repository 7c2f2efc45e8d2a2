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

  it('rejects invalid values at boot with the variable name', () => {
    expect(() => loadConfig({ PARLEY_PORT: 'eighty' })).toThrow(/PARLEY_PORT/);
    expect(() => loadConfig({ PARLEY_ACCESS_TOKEN_TTL_SECONDS: '3600' })).toThrow(/PARLEY_ACCESS_TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ PARLEY_MODE: 'cluster' })).toThrow(/PARLEY_MODE/);
  });
});
