/**
 * Packages an `npm ci --omit=dev` installs although production never needs them: those reachable
 * from the root's dependencies only through an *optional* peer dependency that is also a
 * devDependency. npm marks them `devOptional` and keeps them. The case here: `@prisma/client`'s
 * optional peer `prisma` (the CLI, a devDependency: 40 MB, with `typescript`, `effect`, React for
 * its studio). The image leaves them out (docs/adr/0004-relational-data.md).
 */
export interface LockPackage {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  link?: boolean;
}

export interface Lockfile {
  packages: Record<string, LockPackage>;
}

/** Where `name` resolves from the package at `from` (Node's lookup: nearest node_modules upwards). */
function resolve(lock: Lockfile, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return null;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** Installed package paths (`node_modules/...`) production cannot reach without an optional peer. */
export function optionalPeerOnly(lock: Lockfile): string[] {
  const reached = new Set<string>();
  const queue: string[] = [''];
  while (queue.length) {
    const at = queue.pop() as string;
    const pkg = lock.packages[at];
    if (!pkg) continue;
    const optionalPeers = pkg.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}).filter((n) => !optionalPeers[n]?.optional),
    ];
    for (const name of names) {
      const path = resolve(lock, at, name);
      if (path && !reached.has(path)) {
        reached.add(path);
        queue.push(path);
      }
    }
  }
  return Object.keys(lock.packages).filter((p) => p.startsWith('node_modules/') && !reached.has(p) && !lock.packages[p].link && !p.startsWith('node_modules/@parley/'));
}
