import { describeRelationalDbContract, describeSqlDbContract } from '../contract';
import { PgliteSqlDb } from './pglite-sql.adapter';

describeSqlDbContract('PGlite (in memory)', async () => {
  const db = await PgliteSqlDb.open(undefined);
  return { db, cleanup: () => db.close() };
});

describeRelationalDbContract('PGlite (in memory, pglite-prisma-adapter)', async () => {
  const db = await PgliteSqlDb.open(undefined);
  return { db, cleanup: () => db.close() };
});
