#!/usr/bin/env node
// Generates Prisma Client from prisma/schema into libs/ports/src/relational/generated, offline
// (part of `npm run build`; docs/adr/0004-relational-data.md). Prisma 7's client runs on driver
// adapters with the query compiler (WebAssembly, shipped in the npm packages): no query engine. The
// CLI still asks for a schema-engine binary before any command; generation never runs it, so the
// variable points at a stub that fails loudly if something ever does. Skips when the schema and
// the Prisma version are those of the last generation.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, schemaFiles } from './schema-engine.mjs';

const require = createRequire(import.meta.url);
const OUT = path.join(ROOT, 'libs/ports/src/relational/generated');
const STAMP = path.join(OUT, '.schema-hash');

const prismaVersion = require('prisma/package.json').version;
const hash = createHash('sha256').update(prismaVersion);
for (const f of schemaFiles()) hash.update(f.path).update(f.content);
const digest = hash.digest('hex');
if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) process.exit(0);

const r = spawnSync(process.execPath, [require.resolve('prisma/build/index.js'), 'generate'], {
  cwd: ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(ROOT, 'tools/prisma/no-schema-engine.sh'),
    PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(STAMP, digest);
