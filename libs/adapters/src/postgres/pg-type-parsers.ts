import { CustomTypesConfig, types } from 'pg';

/**
 * Result parsing aligned with the embedded adapter (PGlite), so repositories written once against
 * the SqlDb port read the same JavaScript values from both:
 *
 * - int8 (COUNT(*), bigint columns) is a number when it is a safe integer and a BigInt beyond;
 *   node-postgres would give a string. The same for int8[].
 * - date is midnight UTC of that day; node-postgres would use the process's time zone.
 *
 * Everything else keeps node-postgres's parsing. Set per pool: pg's global parsers are untouched.
 */
const INT8 = types.builtins.INT8;
/** _int8: pg-types names no array types. */
const INT8_ARRAY = 1016 as Parameters<typeof types.getTypeParser>[0];
const DATE = types.builtins.DATE;

export function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

export function parseDate(value: string): Date | number {
  if (value === 'infinity') return Infinity;
  if (value === '-infinity') return -Infinity;
  // BC dates and years past 9999 keep node-postgres's own parsing.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return types.getTypeParser(DATE, 'text')(value) as Date;
  return new Date(`${value}T00:00:00.000Z`);
}

function mapDeep(value: unknown, parse: (v: string) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapDeep(v, parse));
  return typeof value === 'string' ? parse(value) : value;
}

export const parleyTypeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === INT8) return parseInt8;
      if (oid === DATE) return parseDate;
      if (oid === INT8_ARRAY) {
        const strings = types.getTypeParser(INT8_ARRAY, 'text') as (v: string) => unknown;
        return (value: string) => mapDeep(strings(value), parseInt8);
      }
    }
    return types.getTypeParser(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};
