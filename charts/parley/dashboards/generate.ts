import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from './dashboards';
import { render } from './panels';

/** `npm run dashboards`: writes every dashboard to charts/parley/files/dashboards/<uid>.json. */
export function dashboardFiles(): Record<string, string> {
  return Object.fromEntries(DASHBOARDS.map((d) => [`${d.uid}.json`, JSON.stringify(render(d), null, 2) + '\n']));
}

if (require.main === module) {
  const dir = join(process.argv[2] ?? process.cwd(), 'charts', 'parley', 'files', 'dashboards');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(dashboardFiles())) writeFileSync(join(dir, name), text);
  process.stdout.write(`dashboards: ${DASHBOARDS.length} written to ${dir}\n`);
}
