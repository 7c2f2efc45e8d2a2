import { optionalPeerOnly } from './optional-peers';

describe('what only an optional peer brings into production node_modules', () => {
  const lock = {
    packages: {
      '': { dependencies: { client: '1', sharp: '1' } },
      'node_modules/client': { dependencies: { runtime: '1' }, peerDependencies: { cli: '*', needed: '*' }, peerDependenciesMeta: { cli: { optional: true } } },
      'node_modules/runtime': {},
      'node_modules/needed': {},
      'node_modules/sharp': { optionalDependencies: { 'sharp-linux': '1' } },
      'node_modules/sharp-linux': {},
      'node_modules/cli': { dependencies: { studio: '1', shared: '1' } },
      'node_modules/studio': {},
      'node_modules/cli/node_modules/shared': {},
      'node_modules/shared': {},
      'node_modules/@parley/ports': { link: true },
    },
  };

  it('lists the optional peer and what only it needs; keeps dependencies, optional and required peers', () => {
    expect(optionalPeerOnly(lock).sort()).toEqual(['node_modules/cli', 'node_modules/cli/node_modules/shared', 'node_modules/shared', 'node_modules/studio']);
  });

  it('keeps a package the optional peer shares with production', () => {
    const shared = { packages: { ...lock.packages, '': { dependencies: { client: '1', sharp: '1', studio: '1' } } } };
    expect(optionalPeerOnly(shared)).not.toContain('node_modules/studio');
    expect(optionalPeerOnly(shared)).toContain('node_modules/cli');
  });
});
