// Makes the compiled libs resolvable at run time under their package names: dist/node_modules/@parley/<lib>
// links to dist/libs/<lib>/src, so `require('@parley/ports')` from dist/apps/** finds the built code
// (Node walks up to dist/node_modules before the workspace's node_modules).
import { mkdirSync, readdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scope = join(root, 'dist', 'node_modules', '@parley');
rmSync(scope, { recursive: true, force: true });
mkdirSync(scope, { recursive: true });
for (const lib of readdirSync(join(root, 'libs'))) {
  const built = join(root, 'dist', 'libs', lib, 'src');
  if (!existsSync(join(built, 'index.js'))) continue;
  symlinkSync(relative(scope, built), join(scope, lib), 'dir');
}
