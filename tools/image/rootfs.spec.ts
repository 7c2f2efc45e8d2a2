import { keepModule } from './rootfs';

describe('the image keeps of node_modules only what runs', () => {
  it('keeps JavaScript, JSON, native addons of this platform and licence files', () => {
    for (const rel of ['kafkajs/index.js', 'pg/lib/client.js', 'x/esm/a.mjs', 'x/a.cjs', 'x/package.json', 'x/LICENSE', 'x/LICENSE.md', 'x/license.markdown', 'x/NOTICE.md', 'x/proto/a.proto']) {
      expect({ rel, kept: keepModule(rel) }).toEqual({ rel, kept: true });
    }
    const mine = `uWebSockets.js/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
    expect(keepModule(mine.replace('uWebSockets.js/', 'uWebSockets.js/binaries/'))).toBe(true);
  });

  it('leaves out TypeScript, source maps, documentation, other platforms and npm bookkeeping', () => {
    for (const rel of ['x/index.d.ts', 'x/index.d.mts', 'x/index.d.cts', 'x/src/a.ts', 'x/a.mts', 'x/a.js.map', 'x/README.md', 'x/docs/CHANGELOG.md', '.bin/tsc', '.package-lock.json', 'uWebSockets.js/binaries/uws_win32_x64_115.node']) {
      expect({ rel, kept: keepModule(rel) }).toEqual({ rel, kept: false });
    }
  });

  it("keeps of Prisma Client's query compilers only the one the generated client loads", () => {
    const runtime = '@prisma/client/runtime';
    expect(keepModule(`${runtime}/query_compiler_small_bg.postgresql.js`)).toBe(true);
    expect(keepModule(`${runtime}/query_compiler_small_bg.postgresql.wasm-base64.js`)).toBe(true);
    expect(keepModule(`${runtime}/client.js`)).toBe(true);
    for (const other of ['small_bg.postgresql.mjs', 'fast_bg.postgresql.js', 'fast_bg.postgresql.wasm-base64.js', 'small_bg.mysql.js', 'fast_bg.sqlite.wasm-base64.js']) {
      expect(keepModule(`${runtime}/query_compiler_${other}`)).toBe(false);
    }
  });
});
