#!/usr/bin/env node
// Where the SQL migrations and prisma/schema disagree (docs/adr/0004-relational-data.md).
//
//   node tools/prisma/schema-diff.mjs                 after `npm run build`: applies the relational
//        migrations (auth, notification, presence, messaging) with the project's runner to an in-memory PGlite
//        and prints the SQL that would bring that database to the schema; exit 0 when they agree,
//        2 when they do not (the printed SQL is the body of the next migration).
//   node tools/prisma/schema-diff.mjs --db <dir>      the same against an existing PGlite directory.
//   node tools/prisma/schema-diff.mjs --write <file.ts> --id <service/NNN_name> [--name <const>]
//        writes that SQL as a new Migration module for the service's migration list.
//   node tools/prisma/schema-diff.mjs --from-empty    the whole schema as SQL (for review).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openSchemaEngine, ROOT } from './schema-engine.mjs';

const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { db: { type: 'string' }, write: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, 'from-empty': { type: 'boolean' } } });

/** The migrations of the services whose tables prisma/schema declares, from the build output. */
function relationalMigrations() {
  const dist = (p) => path.join(ROOT, 'dist/libs', p);
  return [
    ...require(dist('auth-service/src/migrations/index.js')).authMigrations,
    ...require(dist('notification-service/src/notification.migrations.js')).notificationMigrations,
    ...require(dist('presence-service/src/presence.migrations.js')).presenceMigrations,
    ...require(dist('messaging-service/src/storage/messaging.migrations.js')).messagingMigrations,
  ];
}

const { PGlite } = require('@electric-sql/pglite');
const pglite = new PGlite(values.db);
await pglite.waitReady;
if (!values.db && !values['from-empty']) {
  const { PgliteSqlDb, runMigrations } = require(path.join(ROOT, 'dist/libs/ports/src/index.js'));
  await runMigrations(PgliteSqlDb.wrap(pglite), relationalMigrations());
}
const engine = await openSchemaEngine(pglite);
const sql = values['from-empty'] ? await engine.emptyToSchema() : await engine.databaseToSchema();
engine.close();
await pglite.close();

if (values.write) {
  if (!sql) {
    console.log('the migrations already match prisma/schema: nothing to write');
    process.exit(0);
  }
  if (!values.id || !/^[a-z-]+\/\d{3}_[a-z0-9_]+$/.test(values.id)) throw new Error('--id service/NNN_name is required with --write');
  const constName = values.name ?? values.id.split('/')[1].replace(/^\d+_/, '').replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  const body = sql.replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  writeFileSync(
    values.write,
    `import { Migration } from '@parley/ports';\n\n/** Generated from prisma/schema by tools/prisma/schema-diff.mjs: edit the schema, not this SQL. */\nexport const ${constName}: Migration = {\n  id: '${values.id}',\n  sql: \`\n${body}\`,\n};\n`,
  );
  console.log(`wrote ${values.write}; add it to the service's migration list`);
} else {
  process.stdout.write(sql);
  if (!values['from-empty'] && sql) process.exit(2);
}
