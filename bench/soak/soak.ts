/**
 * The soak (issue 8; bench, not CI): the mesh (two gateways, two messaging replicas) under a steady
 * mixed load through the SDK for a bounded time (sends; every few sends a reaction, an edit of the
 * sender's own message, typing and a read marker; readers reading history over REST), with a random fault every few minutes (SIGKILL of a
 * service, which the supervisor restarts, or SIGSTOP for 10 s then SIGCONT). RSS of every process
 * and V8 heap of every service (its admin /metrics) are sampled; at the end every send must be
 * settled and the history checker (test/support/history-checker.ts) must pass: nothing acknowledged
 * lost, no visible duplicate, no reorder, every member has every message.
 *
 *   eval "$(infra/bin/parley-infra env)"
 *   npm run build && node dist/bench/soak/soak.js [--minutes 60] [--fault-every-s 180] [--senders 6] [--pace-ms 500]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HistoryChecker } from '../../test/support/history-checker';
import { startParley, type ParleyProcess } from '../../test/support/parley-process';
import { sdkClient, type SdkClient } from '../../test/support/sdk';
import { createGroup, registerUser } from '../../test/support/users';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
};
const MINUTES = arg('minutes', 60);
const FAULT_EVERY_S = arg('fault-every-s', 180);
const SENDERS = arg('senders', 6);
const PACE_MS = arg('pace-ms', 500);
const GROUPS = 3;
const SAMPLE_MS = 15_000;
const PAUSE_MS = 10_000;
const FAULT_TARGETS = ['gateway-2', 'messaging-1', 'fanout', 'presence', 'notification', 'auth'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number) => Math.round(bytes / 1048576);
const rssOf = (pid: number): number | null => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return null;
  }
};

interface Series {
  first: number;
  last: number;
  max: number;
}
const note = (m: Map<string, Series>, k: string, v: number) => {
  const s = m.get(k);
  if (!s) m.set(k, { first: v, last: v, max: v });
  else {
    s.last = v;
    s.max = Math.max(s.max, v);
  }
};

async function heapOf(adminAddr: string): Promise<number | null> {
  try {
    const text = await (await fetch(`http://${adminAddr}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const p: ParleyProcess = await startParley({
    target: 'mesh',
    env: { PARLEY_MESH_GATEWAYS: '2', PARLEY_MESH_MESSAGING_REPLICAS: '2', PARLEY_SEND_RATE_PER_SECOND: '1000', PARLEY_PASSWORD_HASH_COST: 'test', PARLEY_KAFKA_NAME_PREFIX: `soak-${randomBytes(4).toString('hex')}.` },
  });
  const rss = new Map<string, Series>();
  const heap = new Map<string, Series>();
  const faults: string[] = [];
  const clients: SdkClient[] = [];
  let acked = 0;
  let failed = 0;
  const mixed = { reactions: 0, edits: 0, typing: 0, reads: 0, historyReads: 0 };
  const errors = new Map<string, number>();
  try {
    const gws = p.gatewayUrls();
    const checker = new HistoryChecker(p.baseUrl);
    const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => registerUser(p.baseUrl, `soak${i}`)));
    const readers = await Promise.all([0, 1].map((i) => registerUser(p.baseUrl, `soakr${i}`)));
    const members = [...senders.slice(1), ...readers].map((u) => u.user.id);
    const groups = await Promise.all(Array.from({ length: GROUPS }, (_, g) => createGroup(p.baseUrl, senders[0].accessToken, `soak ${g}`, members)));
    for (const g of groups) checker.addReader(g.id, senders[0].accessToken);
    const everyone = [...senders, ...readers];
    everyone.forEach((u, i) => {
      clients.push(sdkClient(gws[i % gws.length].wsUrl, () => u.accessToken, { checker, clientId: `c${i}`, userId: u.user.id, options: { sendTimeoutMs: 120_000 } }));
    });
    await Promise.all(clients.map((c) => c.client.connect()));
    for (const c of clients) for (const g of groups) c.client.trackConversation(g.id, 0);

    const endAt = Date.now() + MINUTES * 60_000;
    const started = Date.now();
    const sending = senders.map(async (_, i) => {
      for (let n = 0; Date.now() < endAt; n++) {
        try {
          const group = groups[n % GROUPS].id;
          const c = clients[i].client;
          if (n % 3 === 0 && c.typing(group, 'start')) mixed.typing++;
          const ack = await c.send(group, `soak ${i} ${n}`);
          acked++;
          // The mixed part: entries of the seq stream (docs/adr/0010) and the signals beside them.
          if (n % 5 === 0) {
            await c.react(group, ack.seq, '👍');
            mixed.reactions++;
          }
          if (n % 7 === 0) {
            await c.edit(group, ack.seq, `soak ${i} ${n} (edited)`);
            mixed.edits++;
          }
          if (n % 3 === 0 && c.read(group, ack.seq)) mixed.reads++;
        } catch (e) {
          failed++;
          const code = (e as { code?: string }).code ?? 'unknown';
          errors.set(code, (errors.get(code) ?? 0) + 1);
        }
        await sleep(PACE_MS);
      }
    });
    // Access tokens live 15 minutes: every user refreshes theirs every 5 (sooner again after a failure,
    // e.g. while auth is paused); the SDK clients, the REST readers and the checker read the current one.
    const refreshing = (async () => {
      const refreshed = new Map<string, number>(everyone.map((u) => [u.user.id, Date.now()]));
      while (Date.now() < endAt + 120_000) {
        await sleep(30_000);
        for (const u of everyone) {
          if (Date.now() - (refreshed.get(u.user.id) ?? 0) < 5 * 60_000) continue;
          try {
            const res = await fetch(`${p.baseUrl}/v1/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: u.refreshToken }), signal: AbortSignal.timeout(10_000) });
            if (!res.ok) throw new Error(`refresh answered ${res.status}`);
            const tokens = (await res.json()) as { access_token: string; refresh_token: string };
            u.accessToken = tokens.access_token;
            u.refreshToken = tokens.refresh_token;
            refreshed.set(u.user.id, Date.now());
          } catch {
            errors.set('refresh retried', (errors.get('refresh retried') ?? 0) + 1);
          }
        }
        for (const g of groups) checker.addReader(g.id, senders[0].accessToken);
      }
    })();
    void refreshing;
    // Readers page through history over REST, as a client opening a conversation does.
    const reading = readers.map(async (r, i) => {
      for (let n = 0; Date.now() < endAt; n++) {
        const g = groups[(n + i) % GROUPS].id;
        try {
          const res = await fetch(`${gws[n % gws.length].baseUrl}/v1/conversations/${g}/messages?limit=50`, { headers: { authorization: `Bearer ${r.accessToken}` }, signal: AbortSignal.timeout(10_000) });
          if (res.ok) mixed.historyReads++;
          else errors.set(`history ${res.status}`, (errors.get(`history ${res.status}`) ?? 0) + 1);
        } catch {
          errors.set('history unreachable', (errors.get('history unreachable') ?? 0) + 1);
        }
        await sleep(PACE_MS * 4);
      }
    });
    const sampling = (async () => {
      while (Date.now() < endAt) {
        for (const [name, pid] of Object.entries(p.meshPids())) {
          const r = pid ? rssOf(pid) : null;
          if (r !== null) note(rss, name, r);
        }
        for (const [name, addr] of Object.entries(p.meshAdmin())) {
          const h = addr ? await heapOf(addr) : null;
          if (h !== null) note(heap, name, h);
        }
        await sleep(SAMPLE_MS);
      }
    })();
    const faulting = (async () => {
      for (;;) {
        await sleep(FAULT_EVERY_S * 1000);
        if (Date.now() + 60_000 > endAt) return; // no fault in the last minute: the run ends settled
        const target = FAULT_TARGETS[Math.floor(Math.random() * FAULT_TARGETS.length)];
        const pid = p.meshPids()[target];
        if (!pid) continue;
        const kind = Math.random() < 0.5 ? 'SIGKILL' : 'SIGSTOP';
        faults.push(`${((Date.now() - started) / 60_000).toFixed(1)} min: ${kind} ${target}`);
        process.kill(pid, kind);
        if (kind === 'SIGSTOP') {
          await sleep(PAUSE_MS);
          process.kill(pid, 'SIGCONT');
        }
      }
    })();
    await Promise.all([...sending, ...reading, sampling]);
    void faulting;

    // Settle: every member has the last stored message of every group, then the checker.
    const deadline = Date.now() + 120_000;
    let caughtUp = false;
    while (!caughtUp && Date.now() < deadline) {
      const lasts = await Promise.all(
        groups.map(async (g) => {
          const j = (await (await fetch(`${p.baseUrl}/v1/conversations/${g.id}`, { headers: { authorization: `Bearer ${senders[0].accessToken}` } })).json()) as { last_seq?: number; conversation?: { last_seq: number } };
          return j.conversation?.last_seq ?? j.last_seq ?? -1;
        }),
      );
      caughtUp = groups.every((g, i) => clients.every((c) => c.client.lastSeqOf(g.id) === lasts[i]));
      if (!caughtUp) await sleep(2000);
    }
    for (const g of groups) checker.expectCompleteDelivery(g.id, clients.map((_, i) => `c${i}:app`));
    let verdict: string;
    try {
      const r = await checker.verify();
      verdict = `PASS: ${r.conversations} conversations, ${r.storedMessages} stored, ${r.acks} acks, ${r.deliveries} deliveries checked`;
    } catch (e) {
      verdict = `FAIL: ${(e as Error).message.slice(0, 2000)}`;
    }
    const elapsed = (Date.now() - started) / 60_000;
    const table = [...rss.keys()].sort().map((k) => {
      const r = rss.get(k) as Series;
      const h = heap.get(k);
      return `| ${k} | ${mib(r.first)} | ${mib(r.last)} | ${mib(r.max)} | ${h ? `${mib(h.first)} / ${mib(h.last)} / ${mib(h.max)}` : 'n/a'} |`;
    });
    process.stdout.write(
      [
        `soak: ${elapsed.toFixed(1)} min, ${SENDERS} senders every ${PACE_MS} ms into ${GROUPS} groups of ${members.length + 1}, ${clients.length} SDK clients on ${gws.length} gateways`,
        `mixed: ${mixed.reactions} reactions, ${mixed.edits} edits, ${mixed.typing} typing frames, ${mixed.reads} read markers, ${mixed.historyReads} history pages read over REST`,
        `sends acknowledged ${acked}, failed ${failed}${errors.size ? ` (${[...errors].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}; all members caught up: ${caughtUp}`,
        `faults: ${faults.length ? faults.join('; ') : 'none'}`,
        '| process | RSS first MiB | RSS last MiB | RSS max MiB | heap used first / last / max MiB |',
        '| --- | --- | --- | --- | --- |',
        ...table,
        `history checker: ${verdict}`,
      ].join('\n') + '\n',
    );
    process.exitCode = verdict.startsWith('PASS') && failed === 0 && caughtUp ? 0 : 1;
  } finally {
    for (const c of clients) c.client.close();
    await p.stop();
  }
}

main().then(
  () => process.exit(),
  (e: unknown) => {
    process.stderr.write(`soak failed: ${String(e instanceof Error ? e.stack : e)}\n`);
    process.exit(1);
  },
);
