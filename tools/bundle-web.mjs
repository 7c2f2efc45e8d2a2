// Bundles the chat page (libs/web-ui) for browsers into dist/web/: app.js and index.html.
// `@parley/*` imports resolve through tsconfig.base.json's `paths`, as they do for tsc.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'libs', 'web-ui', 'src');
const out = join(root, 'dist', 'web');

await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: [join(source, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  // With platform 'browser', an import of a Node built-in fails the build: the page stays browser-only.
  platform: 'browser',
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  tsconfig: join(root, 'tsconfig.base.json'),
  sourcemap: true,
  minify: process.env.PARLEY_WEB_MINIFY === '1',
  logLevel: 'warning',
  metafile: true,
});
await copyFile(join(source, 'index.html'), join(out, 'index.html'));

const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((p) => p.endsWith('app.js'))].bytes;
console.log(`bundle-web: dist/web/app.js (${Math.round(bytes / 1024)} KiB) and dist/web/index.html`);
