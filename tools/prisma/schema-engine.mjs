// Prisma's schema engine, offline: the WebAssembly build (@prisma/schema-engine-wasm) driven over a
// PGlite database through pglite-prisma-adapter, so no engine binary is downloaded
// (docs/adr/0004-relational-data.md). Used by schema-diff.mjs; nothing here runs in Parley itself.
/* global WebAssembly */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCHEMA_DIR = path.join(ROOT, 'prisma/schema');

/** The schema folder's files, in name order (one per service domain, plus main.prisma). */
export function schemaFiles() {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.prisma'))
    .sort()
    .map((f) => ({ path: path.join(SCHEMA_DIR, f), content: readFileSync(path.join(SCHEMA_DIR, f), 'utf8') }));
}

let loaded;
/** Instantiates the engine's module once (its package is an ES module importing the .wasm, which Node 20 cannot). */
async function engineModule() {
  if (loaded) return loaded;
  const dir = path.join(ROOT, 'node_modules/@prisma/schema-engine-wasm');
  const bg = await import(path.join(dir, 'schema_engine_bg.js'));
  // The engine reports panics through this global, which the Prisma CLI normally defines.
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= { set_message: (m) => process.stderr.write(`schema engine panic: ${m}\n`) };
  const { instance } = await WebAssembly.instantiate(readFileSync(path.join(dir, 'schema_engine_bg.wasm')), { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  loaded = bg;
  return bg;
}

/** A schema engine whose database (and shadow database) is the given PGlite instance. */
export async function openSchemaEngine(pglite) {
  const bg = await engineModule();
  const { PrismaPGlite } = require('pglite-prisma-adapter');
  const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
  const files = schemaFiles();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite));
  const engine = await bg.SchemaEngine.new({ datamodels: files.map((f) => [f.path, f.content]) }, () => {}, adapter);
  // The runner's own bookkeeping table (libs/ports/src/sql/migrations.ts) is not part of the schema.
  const filters = { externalTables: ['public.schema_migrations'], externalEnums: [] };
  return {
    /** The SQL that turns the database as it is into the schema ('' when they agree). */
    async databaseToSchema() {
      const r = await engine.diff({ from: { tag: 'schemaDatasource', files, configDir: ROOT }, to: { tag: 'schemaDatamodel', files }, script: true, exitCode: true, filters });
      return r.exitCode === 2 ? r.stdout ?? '' : '';
    },
    /** The whole schema as SQL, from an empty database. */
    async emptyToSchema() {
      const r = await engine.diff({ from: { tag: 'empty' }, to: { tag: 'schemaDatamodel', files }, script: true, exitCode: null, filters });
      return r.stdout ?? '';
    },
    close: () => engine.free(),
  };
}
