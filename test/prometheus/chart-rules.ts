import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { renderChart, repoRoot } from '../../charts/parley/test/helm';

/**
 * Writes the groups of the chart's own PrometheusRule (templates/prometheusrule.yaml, release
 * `parley` in namespace `chat`) as a plain Prometheus rules file, so promtool can check and test the
 * alerts that live in a Helm template (test/prometheus/chart.rules.test.yaml). Usage: OUT_FILE.
 */
const out = process.argv[2];
if (!out) throw new Error('usage: chart-rules OUT_FILE');
const root = repoRoot(__dirname.includes('/dist/') ? process.cwd() : __dirname);
const manifest = renderChart({ namespace: 'chat', set: ['monitoring.prometheusRule.enabled=true'] }, root);
const rule = parseAllDocuments(manifest)
  .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { groups: unknown[] } } | null)
  .find((o) => o?.kind === 'PrometheusRule' && o.metadata?.name === 'parley');
if (!rule?.spec) throw new Error('the chart rendered no PrometheusRule "parley"');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, stringify({ groups: rule.spec.groups }));
process.stdout.write(`chart rules: ${out}\n`);
