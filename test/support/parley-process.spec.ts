import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, stopAll } from './parley-process';

/**
 * A stand-in for Parley: answers /readyz and /env on PARLEY_HOST:PARLEY_PORT, counts its starts in
 * PARLEY_DATA_DIR, prints to stdout and stderr, and exits on SIGTERM. FAKE_EXIT_EARLY makes it die first.
 */
const FAKE_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
if (process.env.FAKE_EXIT_EARLY) { console.error('fake: refusing to start'); process.exit(3); }
const counter = path.join(process.env.PARLEY_DATA_DIR, 'starts');
const starts = (fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0) + 1;
fs.writeFileSync(counter, String(starts));
for (let i = 0; i < Number(process.env.FAKE_LINES || 0); i++) console.log('line ' + i);
console.log('fake: start ' + starts);
console.error('fake: a warning on stderr');
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') { res.end('ok'); return; }
  if (req.url === '/env') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(process.env)); return; }
  res.statusCode = 404; res.end();
});
server.listen(Number(process.env.PARLEY_PORT), process.env.PARLEY_HOST);
process.on('SIGTERM', () => { console.log('fake: SIGTERM'); server.close(() => process.exit(0)); });
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

describe('startParley (standalone target, fake server)', () => {
  let dir: string;
  let entry: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-harness-spec-'));
    entry = join(dir, 'fake-main.js');
    writeFileSync(entry, FAKE_SERVER);
  });

  afterAll(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the entry on a free port with the Parley env and waits for /readyz', async () => {
    const p = await startParley({ entry, env: { EXTRA: 'yes' } });
    expect(p.baseUrl).toBe(`http://127.0.0.1:${p.port}`);
    expect(p.wsUrl).toBe(`ws://127.0.0.1:${p.port}/v1/ws`);
    expect(existsSync(p.dataDir)).toBe(true);
    const env = (await (await fetch(`${p.baseUrl}/env`)).json()) as Record<string, string>;
    expect(env).toMatchObject({
      PARLEY_PORT: String(p.port),
      PARLEY_HOST: '127.0.0.1',
      PARLEY_DATA_DIR: p.dataDir,
      PARLEY_LOG_LEVEL: 'warn',
      EXTRA: 'yes',
    });
    expect(p.logs()).toContain('fake: start 1');
    expect(p.logs()).toContain('[stderr] fake: a warning on stderr');
    const pid = p.pid;
    expect(isAlive(pid)).toBe(true);
    await p.stop();
    expect(isAlive(pid)).toBe(false);
    expect(p.logs()).toContain('fake: SIGTERM');
  });

  it('restarts on the same port and data dir', async () => {
    const p = await startParley({ entry });
    const firstPid = p.pid;
    await p.restart();
    expect(p.pid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
    expect(readFileSync(join(p.dataDir, 'starts'), 'utf8')).toBe('2');
    expect((await fetch(`${p.baseUrl}/readyz`)).status).toBe(200);
    await p.kill();
    await expect(fetch(`${p.baseUrl}/readyz`)).rejects.toThrow();
  });

  it('kills with a signal and waits for the exit', async () => {
    const p = await startParley({ entry });
    const pid = p.pid;
    await p.kill('SIGKILL');
    expect(isAlive(pid)).toBe(false);
    expect(p.logs()).toContain('exited with signal SIGKILL');
  });

  it('keeps a given data dir and removes the ones it made', async () => {
    const given = mkdtempSync(join(tmpdir(), 'parley-harness-given-'));
    const withGiven = await startParley({ entry, dataDir: given });
    const made = await startParley({ entry });
    expect(withGiven.dataDir).toBe(given);
    const pids = [withGiven.pid, made.pid];
    await stopAll();
    expect(pids.map(isAlive)).toEqual([false, false]);
    expect(existsSync(given)).toBe(true);
    expect(existsSync(made.dataDir)).toBe(false);
    rmSync(given, { recursive: true, force: true });
  });

  it('keeps only the last 200 lines of output', async () => {
    const p = await startParley({ entry, env: { FAKE_LINES: '500' } });
    const lines = p.logs().split('\n');
    expect(lines.length).toBeLessThanOrEqual(200);
    expect(p.logs()).toContain('line 499');
    expect(p.logs()).not.toContain('line 100\n');
    await p.stop();
  });

  it('fails with the output when the process exits before it is ready', async () => {
    await expect(startParley({ entry, env: { FAKE_EXIT_EARLY: '1' } })).rejects.toThrow(/exited before it was ready \(code 3\)[\s\S]*fake: refusing to start/);
  });

  it('fails clearly when the build is missing', async () => {
    await expect(startParley({ entry: join(dir, 'missing.js') })).rejects.toThrow(/does not exist: run `npm run build`/);
  });

  it('rejects an unknown target', async () => {
    const saved = process.env.PARLEY_E2E_TARGET;
    process.env.PARLEY_E2E_TARGET = 'cluster';
    try {
      await expect(startParley({ entry })).rejects.toThrow('PARLEY_E2E_TARGET=cluster is not a known target (known: standalone, mesh)');
    } finally {
      if (saved === undefined) delete process.env.PARLEY_E2E_TARGET;
      else process.env.PARLEY_E2E_TARGET = saved;
    }
  });
});
