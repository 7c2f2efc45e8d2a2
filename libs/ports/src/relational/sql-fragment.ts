import { Prisma } from './generated/client';

/**
 * A piece of SQL with its values kept as parameters, for the statements that stay hand-written
 * through the client (docs/adr/0004-relational-data.md): `tx.$queryRaw(sqlFragment\`… ${v} …\`)`, or
 * a fragment nested in a `$queryRaw` template (an optional condition, one of two columns). Values
 * are never spliced into the text; there is no way to build a fragment from a string here.
 */
export type SqlFragment = Prisma.Sql;
export const sqlFragment = Prisma.sql;
/** The fragment that adds nothing (an absent condition). */
export const EMPTY_SQL: SqlFragment = Prisma.empty;
