import { Parser } from '@asyncapi/parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from './asyncapi';
import { openApiDocument } from './openapi';
import { REST_OPERATIONS } from './rest-operations';

const CONTRACT = readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'api', 'v1.md'), 'utf8');

describe('the API documents', () => {
  it('OpenAPI 3.1 passes the Redocly linter (recommended rules) without errors or warnings', async () => {
    const config = await createConfig({ extends: ['recommended'], rules: { 'info-contact': 'off', 'operation-4xx-response': 'error' } });
    const problems = await lintFromString({ source: JSON.stringify(openApiDocument('1.1.0')), absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`)).toEqual([]);
  });

  it('AsyncAPI 3.0 parses and validates without errors or warnings', async () => {
    const { diagnostics } = await new Parser().parse(JSON.stringify(asyncApiDocument('1.1.0')));
    // Severity 0 is an error, 1 a warning (the parser's Spectral rules).
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
  });

  it('names every route docs/api/v1.md names, and documents nothing the contract does not', () => {
    const inContract = new Set([...CONTRACT.matchAll(/`(GET|POST|DELETE|PUT|PATCH) (\/[^`?\s]+)/g)].map((m) => `${m[1]} ${m[2].replace(/\{([A-Za-z]+)\}/g, ':$1')}`));
    const documented = new Set(REST_OPERATIONS.map((op) => `${op.method} ${op.path}`));
    expect([...inContract].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !inContract.has(r))).toEqual([]);
  });
});
