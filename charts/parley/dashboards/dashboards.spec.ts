import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from './dashboards';
import { dashboardFiles } from './generate';

const dir = join(__dirname, '..', 'files', 'dashboards');

describe('Grafana dashboards as code', () => {
  it('the committed JSON is what the code generates (run `npm run dashboards` after a change)', () => {
    const files = dashboardFiles();
    expect(readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files)) expect({ name, text: readFileSync(join(dir, name), 'utf8') }).toEqual({ name, text });
  });

  it('has one dashboard per service plus the SLO overview, with unique uids', () => {
    const uids = DASHBOARDS.map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.sort()).toEqual(['parley-auth', 'parley-fanout', 'parley-gateway', 'parley-messaging', 'parley-notification', 'parley-presence', 'parley-slo']);
  });
});
