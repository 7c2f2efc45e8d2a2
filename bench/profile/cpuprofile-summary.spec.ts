import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from './cpuprofile-summary';

/** root -> deliver (parley) -> publish (native); root -> (idle); root -> parse (npm). */
function writeProfile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cpuprofile-spec-'));
  const file = join(dir, 'x.cpuprofile');
  const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '0' });
  writeFileSync(
    file,
    JSON.stringify({
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5] },
        { id: 2, callFrame: frame('deliver', 'file:///w/dist/libs/gateway-service/src/delivery/local-delivery.js', 9), children: [3] },
        { id: 3, callFrame: frame('publish', '') },
        { id: 4, callFrame: frame('(idle)', '') },
        { id: 5, callFrame: frame('parse', 'file:///w/node_modules/@electric-sql/pglite/dist/index.cjs', 3) },
      ],
      startTime: 1_000,
      endTime: 2_000,
      // Each sample covers the 100 us before it: t = 1100, 1200, ..., 1600.
      samples: [3, 3, 2, 4, 5, 3],
      timeDeltas: [100, 100, 100, 100, 100, 100],
    }),
  );
  return file;
}

describe('summarizeProfile', () => {
  it('splits busy time into self frames, areas and Parley inclusive time, leaving idle aside', () => {
    const s = summarizeProfile(writeProfile(), null);
    expect(s.sampledMs).toBeCloseTo(0.5);
    expect(s.idleMs).toBeCloseTo(0.1);
    expect(s.topSelf[0]).toEqual({ frame: 'publish', ms: 0.3, percent: 60 });
    expect(s.byArea.map((a) => a.frame)).toEqual(['native (uWS, V8 builtins)', 'parley libs/gateway-service', 'npm @electric-sql/pglite']);
    expect(s.topParleyInclusive).toEqual([{ frame: 'deliver libs/gateway-service/src/delivery/local-delivery.js:10', ms: 0.4, percent: 80 }]);
  });

  it('keeps only the samples inside the window when it overlaps the profile', () => {
    const s = summarizeProfile(writeProfile(), [1_250, 1_450]);
    expect(s.windowApplied).toBe(true);
    expect(s.sampledMs).toBeCloseTo(0.1); // the pglite sample at t=1400; the idle one at 1300 aside
    expect(s.idleMs).toBeCloseTo(0.1);
  });

  it('falls back to the whole profile when the window misses it', () => {
    const s = summarizeProfile(writeProfile(), [5_000, 6_000]);
    expect(s.windowApplied).toBe(false);
    expect(s.sampledMs).toBeCloseTo(0.5);
  });
});
