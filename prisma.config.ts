import { defineConfig } from 'prisma/config';

// The Prisma CLI's configuration (docs/adr/0004-relational-data.md). The CLI never connects to a
// database here: `generate` and `migrate diff --from-empty/--from-schema` work from the schema alone.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
});
