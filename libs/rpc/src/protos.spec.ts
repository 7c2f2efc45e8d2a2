import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parleyServices, resolveProtoDir } from './protos';

const repoProto = resolve(__dirname, '../../../proto');

describe('finding the proto directory', () => {
  it('walks up to the repo proto/ from the sources and from the compiled dist/libs/rpc/src', () => {
    expect(resolveProtoDir(undefined, __dirname)).toBe(repoProto);
    expect(resolveProtoDir(undefined, resolve(__dirname, '../../../dist/libs/rpc/src'))).toBe(repoProto);
  });

  it('uses an explicit directory, and refuses one without parley/v1', () => {
    expect(resolveProtoDir(repoProto, '/')).toBe(repoProto);
    const empty = mkdtempSync(join(tmpdir(), 'parley-proto-'));
    try {
      expect(() => resolveProtoDir(empty)).toThrow(/has no parley\/v1\/common.proto/);
      expect(() => resolveProtoDir(undefined, empty)).toThrow(/set PARLEY_PROTO_DIR/);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('loads the five services with every method of their TypeScript interfaces', () => {
    const services = parleyServices(repoProto);
    expect(Object.keys(services.Auth).sort()).toEqual(['AddIdentity', 'ExistingIds', 'FindByUsername', 'GetUser', 'Jwks', 'ListIdentities', 'Login', 'Logout', 'Refresh', 'Register', 'RequestCode', 'SessionActive', 'SessionsActive', 'VerifyCode']);
    expect(Object.keys(services.Conversations)).toHaveLength(22);
    expect(Object.keys(services.Conversations)).toContain('Moderate');
    expect(Object.keys(services.Conversations)).toContain('ReadReceipts');
    expect(Object.keys(services.Conversations)).toContain('Search');
    expect(Object.keys(services.Presence).sort()).toEqual(['Connected', 'ConnectionsChanged', 'Disconnected', 'GatewayHeartbeat', 'Get']);
    expect(Object.keys(services.GatewayDelivery)).toEqual(['Deliver']);
    expect(Object.keys(services.Notifications)).toHaveLength(8);
  });
});
