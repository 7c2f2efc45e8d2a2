import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DASHBOARDS } from '../../charts/parley/dashboards/dashboards';
import { expressions } from '../../charts/parley/dashboards/panels';
import { REPO_ROOT } from '../support/parley-process';
import { e2eTest, useParley } from '../support/suite';
import { closeAll, createDirect, makeWs, registerUser } from '../support/users';
import { rest } from '../support/rest';

/**
 * Every metric the SLO rules and the dashboards query is one that a running Parley exports on its
 * admin ports (standalone: its one process; mesh: the union of all of them). A renamed or removed
 * metric fails here instead of leaving an alert that can never fire or a panel that stays empty.
 */
const parley = useParley();

const RULES = join(REPO_ROOT, 'charts', 'parley', 'files', 'prometheus', 'slo.rules.yaml');
const PROMQL_WORDS = new Set(['sum', 'rate', 'max', 'min', 'avg', 'by', 'without', 'histogram_quantile', 'and', 'or', 'unless', 'offset', 'le', 'increase', 'absent', 'count', 'on', 'ignoring', 'bool']);

interface RuleFile {
  groups: Array<{ rules: Array<{ record?: string; alert?: string; expr: string }> }>;
}

/** Metric names a PromQL expression selects: identifiers outside strings, selectors, ranges and grouping clauses that are not functions or keywords. */
export function metricNames(expr: string): string[] {
  const noStrings = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' ');
  const names = new Set<string>();
  for (const m of noStrings.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || PROMQL_WORDS.has(m[1])) continue;
    names.add(m[1]);
  }
  return [...names];
}

/** Families a /metrics text declares (# TYPE), with a histogram's _bucket, _sum and _count series. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
  }
  return names;
}

describe('metric names in rules and dashboards', () => {
  e2eTest('every metric a rule or dashboard queries is exported by some process', async () => {
    // Exercise the paths whose instruments register lazily (they all do at boot; this is a guard).
    const { baseUrl, wsUrl } = parley.current;
    const alice = await registerUser(baseUrl, 'alice');
    const bob = await registerUser(baseUrl, 'bob');
    const direct = await createDirect(baseUrl, alice.accessToken, bob.user.id);
    const ws = await makeWs(wsUrl, alice.accessToken, { clientId: 'alice' });
    await ws.sendMessage(direct.id, 'hello');
    await closeAll([ws]);
    expect((await rest(baseUrl, 'GET', '/v1/conversations', { token: alice.accessToken })).status).toBe(200);

    const urls = await parley.current.metricsUrls();
    expect(Object.keys(urls).length).toBeGreaterThan(0);
    const available = new Set<string>();
    for (const url of Object.values(urls)) for (const n of exported(await (await fetch(url)).text())) available.add(n);

    const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile;
    const recorded = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
    const queries = [
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.record ?? r.alert}`, expr: r.expr }))),
      ...DASHBOARDS.flatMap((d) => expressions(d).map((expr) => ({ where: `dashboard ${d.uid}`, expr }))),
    ];
    expect(queries.length).toBeGreaterThan(40);
    const missing = queries.flatMap(({ where, expr }) => metricNames(expr).filter((n) => !available.has(n) && !recorded.has(n)).map((n) => `${where}: ${n}`));
    expect(missing).toEqual([]);
  });

  it('reads metric names out of PromQL', () => {
    expect(metricNames('sum by (le, route) (rate(parley_x_bucket{namespace=~"a|b", le="1"}[5m])) / 0.001')).toEqual(['parley_x_bucket']);
    expect(metricNames('1 - parley:slo_a:ratio_rate1h > (14.4 * 0.001) and max(nodejs_eventloop_lag_p99_seconds)')).toEqual(['parley:slo_a:ratio_rate1h', 'nodejs_eventloop_lag_p99_seconds']);
  });
});
