import type { TSchema } from '@sinclair/typebox';
import { COMMON_ERRORS, REST_OPERATIONS, RestOperation } from './rest-operations';
import { ErrorBody } from '../schema/responses.schema';

type Json = Record<string, unknown>;

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Invalid input (VALIDATION_FAILED)', 401: 'Missing, bad or expired token, or a revoked session',
  403: 'Not allowed', 404: 'Not found (also what a non-member sees)', 405: 'Method not allowed', 409: 'Conflict', 413: 'Body too large',
  429: 'Rate limited (Retry-After)', 503: 'A dependency is unavailable; retry',
};

/** A schema as plain JSON, without TypeBox's symbols and `$id` (the document names schemas itself). */
export function plainSchema(schema: TSchema | Json): Json {
  return JSON.parse(JSON.stringify(schema, (k, v: unknown) => (k === '$id' ? undefined : v))) as Json;
}

/** The schema's name in components (its `$id`), if it has one. */
const nameOf = (schema: TSchema): string | undefined => (schema as { $id?: string }).$id;

/** The OpenAPI 3.1 document of the REST API, generated from the schemas the gateway validates with. */
export function openApiDocument(version: string): Json {
  const components: Record<string, Json> = { Error: plainSchema(ErrorBody) };
  const ref = (schema: TSchema): Json => {
    const name = nameOf(schema);
    if (!name) return plainSchema(schema);
    components[name] ??= plainSchema(schema);
    return { $ref: `#/components/schemas/${name}` };
  };
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of REST_OPERATIONS) {
    const path = op.path.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[op.method.toLowerCase()] = operation(op, ref);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley REST API',
      version,
      description: 'The v1 contract (docs/api/v1.md) with its extensions. Errors are `{error: {code, message}}`. The WebSocket is described by /v1/asyncapi.json.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

function operation(op: RestOperation, ref: (s: TSchema) => Json): Json {
  const params = [
    ...[...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 128 } })),
    ...(op.query ?? []).map((q) => ({ name: q.name, in: 'query', required: q.required ?? false, schema: q.schema, ...(q.description ? { description: q.description } : {}) })),
  ];
  const responses: Record<string, Json> = {};
  for (const [status, schema] of op.ok) {
    responses[String(status)] = schema ? { description: REASONS[status], content: { 'application/json': { schema: ref(schema) } } } : { description: REASONS[status] };
  }
  const errors = new Set([...COMMON_ERRORS, ...op.errors, ...(op.auth ? [401] : [])]);
  for (const status of [...errors].sort()) {
    responses[String(status)] = {
      description: REASONS[status],
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      ...(status === 429 ? { headers: { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } } } } : {}),
    };
  }
  const body = op.body === undefined ? undefined : 'oneOf' in op.body && Array.isArray(op.body.oneOf) ? { oneOf: op.body.oneOf.map(ref) } : ref(op.body as TSchema);
  return {
    operationId: operationId(op),
    summary: op.summary,
    ...(op.auth ? {} : { security: [] }),
    ...(params.length ? { parameters: params } : {}),
    ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } } : {}),
    responses,
  };
}

function operationId(op: RestOperation): string {
  const words = op.path.replace(/^\/(v1\/)?/, '').split(/[/.-]/).filter((w) => w && !w.startsWith(':') && w !== 'well' && w !== 'known');
  const byId = /:/.test(op.path) ? 'ById' : '';
  return [op.method.toLowerCase(), ...words.map((w) => w[0].toUpperCase() + w.slice(1))].join('') + byId;
}
