/**
 * Fuzzes the gateway's WebSocket frames: millions of mutated frames from several sockets against a
 * standalone Parley while a control conversation carries real messages. Reports frames sent, socket
 * closes by code, the server's RSS over time, and whether the control history is intact (dense seqs,
 * every acknowledged message stored once). Loopback only, bounded by frame count and time.
 *
 *   npm run build && node dist/bench/fuzz/ws-fuzz.js [--frames 1000000] [--sockets 8] [--max-seconds 900]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { mutate, seedFrames } from './mutations';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const FRAMES = arg('frames', 1_000_000);
const SOCKETS = arg('sockets', 8);
const MAX_SECONDS = arg('max-seconds', 900);
const ROOT = resolve(__dirname, '..', '..', '..');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function json<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? null : await res.json()) as T;
}

interface Account { id: string; token: string }
const register = async (base: string, name: string): Promise<Account> => {
  const r = await json<{ user: { id: string }; access_token: string }>(base, 'POST', '/v1/auth/register', { username: name, password: 'fuzzing password' });
  return { id: r.user.id, token: r.access_token };
};

function open(wsUrl: string, token: string): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(`${wsUrl}?access_token=${token}`, { maxPayload: 8 * 1024 * 1024 });
    ws.once('message', () => res(ws)); // hello
    ws.once('error', rej);
    ws.once('close', (code) => rej(new Error(`closed ${code} before hello`)));
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'parley-fuzz-'));
  const env = { ...process.env, PARLEY_PORT: String(port), PARLEY_HOST: '127.0.0.1', PARLEY_DATA_DIR: data, PARLEY_LOG_LEVEL: 'error', PARLEY_PASSWORD_HASH_COST: 'test', PARLEY_AUTH_ATTEMPTS_PER_MINUTE: '1000000', PARLEY_REGISTRATIONS_PER_MINUTE: '1000000', PARLEY_SEND_RATE_PER_SECOND: '100000', PARLEY_WS_MAX_INVALID_FRAMES: '1000000000' };
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'standalone', 'src', 'main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/v1/ws`;
  const deadline = Date.now() + MAX_SECONDS * 1000;
  try {
    for (let i = 0; i < 200 && !(await fetch(`${base}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 250));
    const [alice, bob] = [await register(base, 'control_alice'), await register(base, 'control_bob')];
    const fuzzers = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => register(base, `fuzzer_${i}`)));
    const control = await json<{ id: string }>(base, 'POST', '/v1/conversations', { type: 'group', title: 'control', member_ids: [bob.id, ...fuzzers.map((f) => f.id)] }, alice.token);
    const seeds = seedFrames(control.id);

    // The control: Alice sends every 50 ms and records each persisted ack.
    const acked = new Map<string, number>();
    const aliceWs = await open(wsUrl, alice.token);
    aliceWs.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as { type: string; status?: string; client_msg_id?: string; seq?: number };
      if (f.type === 'ack' && f.status === 'persisted' && f.client_msg_id?.startsWith('control-')) acked.set(f.client_msg_id, f.seq ?? 0);
    });
    let controlSent = 0;
    const controlTimer = setInterval(() => aliceWs.send(JSON.stringify({ type: 'send', conversation_id: control.id, client_msg_id: `control-${++controlSent}`, body: { text: `control ${controlSent}` } })), 50);

    const rss: number[] = [rssOf(server.pid!)];
    const rssTimer = setInterval(() => rss.push(rssOf(server.pid!)), 1000);
    const closes = new Map<number, number>();
    let sent = 0;
    let seed = 0x9e3779b9;
    const random = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
    await Promise.all(
      fuzzers.map(async (f) => {
        while (sent < FRAMES && Date.now() < deadline) {
          let ws: WebSocket;
          try {
            ws = await open(wsUrl, f.token);
          } catch {
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          ws.on('message', () => undefined);
          const closed = new Promise<void>((r) => ws.once('close', (code) => (closes.set(code, (closes.get(code) ?? 0) + 1), r())));
          let open_ = true;
          void closed.then(() => (open_ = false));
          while (open_ && sent < FRAMES && Date.now() < deadline) {
            const frame = mutate(seeds[Math.floor(random() * seeds.length)], random);
            ws.send(frame.data, { binary: frame.binary });
            sent++;
            if (ws.bufferedAmount > 1 << 20 || sent % 256 === 0) await new Promise((r) => setImmediate(r));
          }
          ws.close();
          await closed;
        }
      }),
    );
    clearInterval(controlTimer);
    clearInterval(rssTimer);
    await new Promise((r) => setTimeout(r, 2000));
    aliceWs.close();
    const alive = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);

    // The control history: dense seqs, every acknowledged control message stored once with its seq.
    const stored: Array<{ seq: number; client_msg_id: string; sender_id: string }> = [];
    for (let after = 0; ; ) {
      const page = await json<{ messages: Array<{ seq: number; client_msg_id: string; sender_id: string }>; has_more: boolean }>(base, 'GET', `/v1/conversations/${control.id}/messages?after_seq=${after}&limit=100`, undefined, bob.token);
      stored.push(...page.messages);
      if (!page.has_more || page.messages.length === 0) break;
      after = page.messages[page.messages.length - 1].seq;
    }
    const dense = stored.every((m, i) => m.seq === i + 1);
    const bySeq = new Map(stored.map((m) => [m.client_msg_id, m.seq]));
    const lost = [...acked].filter(([id, seq]) => bySeq.get(id) !== seq).length;
    const controlStored = stored.filter((m) => m.client_msg_id.startsWith('control-')).length;
    // A client_msg_id is unique per sender: two fuzzers may both send 'fuzz'.
    const duplicates = stored.length - new Set(stored.map((m) => `${m.sender_id}\u0000${m.client_msg_id}`)).size;
    const settled = rss.slice(Math.floor(rss.length / 10));
    const report = {
      frames: sent,
      seconds: Math.round((Date.now() - (deadline - MAX_SECONDS * 1000)) / 1000),
      closes: Object.fromEntries(closes),
      serverAlive: alive,
      rssMiB: { start: mib(rss[0]), afterWarmup: mib(settled[0]), max: mib(Math.max(...rss)), end: mib(rss[rss.length - 1]) },
      control: { sent: controlSent, acked: acked.size, stored: controlStored, allMessagesStored: stored.length, dense, lostAcked: lost, duplicates },
    };
    console.log(JSON.stringify(report, null, 2));
    if (!alive || !dense || lost > 0 || duplicates > 0) process.exitCode = 1;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  }
}

const mib = (b: number) => Math.round((b / 1024 / 1024) * 10) / 10;

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
