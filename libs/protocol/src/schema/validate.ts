import type { Static, TSchema } from '@sinclair/typebox';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { isCleanText } from '../fields';
import { invalid, Result } from '../result';

/**
 * The one validation layer for REST bodies and WebSocket frames: JSON Schema (authored with
 * TypeBox, the same objects the OpenAPI and AsyncAPI documents are generated from), checked by
 * Ajv. Ajv counts string lengths in code points, as the contract does; `format: "text"` refuses
 * NUL and unpaired surrogates; `date-time` is RFC 3339. Compiled once per schema, on first use.
 */
let ajv: Ajv | null = null;
const compiled = new WeakMap<TSchema, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, unicodeRegExp: true, verbose: true });
  ajv.addFormat('text', { type: 'string', validate: isCleanText });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s) });
  return ajv;
}

function validatorOf(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = instance().compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Checks `value` against `schema`; `what` names the value in the message ("body", "frame"). */
export function check<S extends TSchema>(schema: S, value: unknown, what: string): Result<Static<S>> {
  const v = validatorOf(schema);
  if (v(value)) return { ok: true, value: value as Static<S> };
  return invalid(describe(v.errors?.[0], what));
}

/** One readable sentence from Ajv's first error: "body.title must NOT have more than 200 characters". */
function describe(e: ErrorObject | undefined, what: string): string {
  if (!e) return `${what} is invalid`;
  const path = what + e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.');
  switch (e.keyword) {
    case 'required':
      return `${path}.${String((e.params as { missingProperty: string }).missingProperty)} is required`;
    case 'format':
      return (e.params as { format: string }).format === 'text' ? `${path} must not contain NUL characters or unpaired surrogates` : `${path} ${e.message ?? 'is invalid'}`;
    case 'enum':
      return `${path} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`;
    case 'pattern': {
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      return description ? `${path} must be ${description}` : `${path} has the wrong form`;
    }
    case 'additionalProperties':
      return `${path}: unknown field ${String((e.params as { additionalProperty: string }).additionalProperty)}`;
    case 'minProperties':
      return `${path} must name at least one field`;
    case 'const':
      return `${path} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'type':
      return path === what ? `${what} must be a JSON object` : `${path} ${e.message ?? 'has the wrong type'}`;
    default:
      return `${path} ${e.message ?? 'is invalid'}`;
  }
}
