import { createWriteStream, WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { stampedText } from '../loadgen/fanout-frames';
import { serveForkedWorker } from '../loadgen/ipc';
import { RawWsClient } from '../loadgen/ws-client';
import { AckLine, ReadinessClientSpec, ReadinessCommand, ReadinessConnectResult, ReadinessReply, ReadinessStart, ReadinessWorkerReport, SlowReading } from './readiness-ipc';
import { SeqCoverage } from './seq-coverage';

/**
 * A readiness load-generator worker (forked by the readiness scenario): holds its share of the
 * clients, sends its share of the messages, and checks what each client received. Slow clients read
 * about `bytesPerSecond`; when the server closes them they notice (a ping write fails, or the close
 * arrives), reconnect and `sync` every conversation from the last seq they hold. It exits on its own
 * when the coordinator goes away or its time bound (argv[2], ms) passes.
 */

const MAX_SAMPLES = 100_000;
const MAX_SYNC_LIMIT = 500;
const MAX_RECONNECT_ATTEMPTS = 10;
const SENT_AT = /\bt=(\d{1,20})\b/;

interface Held {
  spec: ReadinessClientSpec;
  client: RawWsClient | null;
  coverage: Map<string, SeqCoverage>;
  /** Fast clients: highest seq per conversation on the current connection. */
  lastOnConnection: Map<string, number>;
  lost: boolean;
  resumed: boolean;
  ping: NodeJS.Timeout | null;
}

interface InFlight {
  sentNs: bigint;
  conversationId: string;
  senderId: string;
  text: string;
}

interface MessageFrame {
  type: string;
  conversation_id?: string;
  seq?: number;
  status?: string;
  client_msg_id?: string;
  message_id?: string;
  has_more?: boolean;
  body?: { text?: unknown };
}

const held: Held[] = [];
const byIndex = new Map<number, Held>();
const inFlight = new Map<string, InFlight>();
const nonce = randomBytes(4).toString('hex');
let slow: SlowReading = { bytesPerSecond: 1024, pingMs: 2000 };
let throttling = true;
let stopping = false;
let ticker: NodeJS.Timeout | null = null;
let acks: WriteStream | null = null;
let counter = 0;
const r: ReadinessWorkerReport = {
  sent: 0,
  persisted: 0,
  errors: 0,
  heldBack: 0,
  unanswered: 0,
  persistedAckMs: [],
  fastDeliveryMs: [],
  fastDeliveries: 0,
  clients: 0,
  slowClients: 0,
  slowClosesByCode: {},
  fastClosesByCode: {},
  slowClosedClients: 0,
  slowResumed: 0,
  slowResumedNoGap: 0,
  reconnectFailures: 0,
  completeClients: 0,
  clientsWithGaps: 0,
  gapExamples: [],
  outOfOrder: 0,
};

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const syncFrame = (conversationId: string, afterSeq: number) => JSON.stringify({ type: 'sync', conversation_id: conversationId, after_seq: afterSeq, limit: MAX_SYNC_LIMIT });

function sample(v: number): void {
  r.fastDeliveries++;
  if (r.fastDeliveryMs.length < MAX_SAMPLES) r.fastDeliveryMs.push(v);
  else {
    const j = Math.floor(Math.random() * r.fastDeliveries);
    if (j < MAX_SAMPLES) r.fastDeliveryMs[j] = v;
  }
}

function onText(h: Held, client: RawWsClient, text: string, at: bigint): void {
  let f: MessageFrame;
  try {
    f = JSON.parse(text) as MessageFrame;
  } catch {
    r.errors++;
    return;
  }
  if (f.type === 'message' && typeof f.conversation_id === 'string' && typeof f.seq === 'number') {
    h.coverage.get(f.conversation_id)?.add(f.seq);
    if (h.spec.slow || client !== h.client) return;
    const before = h.lastOnConnection.get(f.conversation_id) ?? 0;
    if (f.seq <= before) r.outOfOrder++;
    else h.lastOnConnection.set(f.conversation_id, f.seq);
    const t = typeof f.body?.text === 'string' ? SENT_AT.exec(f.body.text) : null;
    if (t) sample(Number(at - BigInt(t[1])) / 1e6);
  } else if (f.type === 'ack' && f.status === 'persisted' && f.client_msg_id) {
    const p = inFlight.get(f.client_msg_id);
    if (!p || typeof f.seq !== 'number' || typeof f.message_id !== 'string') return;
    inFlight.delete(f.client_msg_id);
    r.persisted++;
    r.persistedAckMs.push(Number(at - p.sentNs) / 1e6);
    const line: AckLine = { conversationId: p.conversationId, senderId: p.senderId, clientMsgId: f.client_msg_id, seq: f.seq, messageId: f.message_id, text: p.text };
    acks?.write(`${JSON.stringify(line)}\n`);
  } else if (f.type === 'error') {
    r.errors++;
    if (f.client_msg_id) inFlight.delete(f.client_msg_id);
  } else if (f.type === 'sync.done' && f.has_more === true && typeof f.conversation_id === 'string') {
    const cov = h.coverage.get(f.conversation_id);
    if (cov && client.isOpen) client.sendText(syncFrame(f.conversation_id, cov.contiguousEnd()));
  }
}

async function open(h: Held): Promise<RawWsClient> {
  let self: RawWsClient | null = null;
  const client = await RawWsClient.openRetrying(
    h.spec.target,
    {
      dialect: 'parley',
      full: true,
      readyTimeoutMs: 60_000,
      ...(h.spec.slow && throttling ? { readBytesPerSecond: slow.bytesPerSecond } : {}),
      onText: (text, at) => {
        if (self) onText(h, self, text, at);
      },
      onClosed: (c) => onClosed(h, c),
    },
    2,
    () => undefined,
  );
  self = client;
  h.client = client;
  h.lastOnConnection.clear();
  if (h.spec.slow) {
    h.ping = setInterval(() => {
      if (h.client === client && client.isOpen) client.sendText('{"type":"ping"}');
    }, slow.pingMs);
  }
  return client;
}

function onClosed(h: Held, c: RawWsClient): void {
  if (c !== h.client || stopping) return;
  const code = String(c.closeCode ?? 1006);
  const counts = h.spec.slow ? r.slowClosesByCode : r.fastClosesByCode;
  counts[code] = (counts[code] ?? 0) + 1;
  h.lost = true;
  h.client = null;
  if (h.ping) clearInterval(h.ping);
  h.ping = null;
  void reconnect(h);
}

/** Back again, then a `sync` of every conversation from the highest seq held without a gap. */
async function reconnect(h: Held): Promise<void> {
  for (let attempt = 0; attempt < MAX_RECONNECT_ATTEMPTS && !stopping; attempt++) {
    await sleep(attempt === 0 ? 250 + Math.random() * 750 : Math.min(5000, 500 * 2 ** attempt));
    if (stopping) return;
    try {
      const client = await open(h);
      for (const [conversationId, cov] of h.coverage) client.sendText(syncFrame(conversationId, cov.contiguousEnd()));
      h.resumed = true;
      return;
    } catch {
      // tried again below
    }
  }
  if (!stopping) r.reconnectFailures++;
}

async function connect(clients: ReadinessClientSpec[], concurrency: number): Promise<ReadinessConnectResult> {
  let next = 0;
  const out: ReadinessConnectResult = { opened: 0, failed: 0, errors: [] };
  const lane = async () => {
    while (next < clients.length) {
      const spec = clients[next++];
      const h: Held = { spec, client: null, coverage: new Map(), lastOnConnection: new Map(), lost: false, resumed: false, ping: null };
      held.push(h);
      byIndex.set(spec.index, h);
      try {
        await open(h);
        out.opened++;
      } catch (err) {
        out.failed++;
        if (out.errors.length < 5) out.errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return out;
}

function start(s: ReadinessStart): void {
  for (const h of held) for (const c of h.spec.conversations) h.coverage.set(c, new SeqCoverage(s.bases[c] ?? 0));
  acks = createWriteStream(s.ackFile, { flags: 'a' });
  const specs = s.sends.map((x) => ({ ...x, phase: Math.random(), done: 0, h: byIndex.get(x.sender) }));
  const t0 = process.hrtime.bigint();
  ticker = setInterval(() => {
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const x of specs) {
      const due = Math.floor(t * x.ratePerSecond + x.phase);
      for (; x.done < due; x.done++) {
        const client = x.h?.client;
        if (!x.h || !client?.isOpen || inFlight.size >= s.maxInFlight) {
          r.heldBack++;
          continue;
        }
        const id = `q-${nonce}-${++counter}`;
        const text = stampedText(process.hrtime.bigint(), s.textChars);
        inFlight.set(id, { sentNs: process.hrtime.bigint(), conversationId: x.conversationId, senderId: x.h.spec.userId, text });
        client.sendText(JSON.stringify({ type: 'send', conversation_id: x.conversationId, client_msg_id: id, body: { text } }));
        r.sent++;
      }
    }
  }, 10);
}

async function stopSends(drainMs: number): Promise<void> {
  if (ticker) clearInterval(ticker);
  ticker = null;
  const until = Date.now() + drainMs;
  while (inFlight.size > 0 && Date.now() < until) await sleep(50);
  r.unanswered = inFlight.size;
  const stream = acks;
  acks = null;
  if (stream) await new Promise<void>((res) => stream.end(res));
}

/** Everyone reads at full speed; waits (bounded) until every client holds every seq up to `lasts`. */
async function finish(lasts: Record<string, number>, timeoutMs: number): Promise<ReadinessWorkerReport> {
  throttling = false;
  for (const h of held) h.client?.unthrottle();
  const isComplete = (h: Held) => [...h.coverage].every(([c, cov]) => cov.complete(lasts[c] ?? cov.base));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !held.every(isComplete)) await sleep(250);
  r.clients = held.length;
  for (const h of held) {
    const ok = isComplete(h);
    if (ok) r.completeClients++;
    else {
      r.clientsWithGaps++;
      if (r.gapExamples.length < 5) {
        const gaps = [...h.coverage]
          .filter(([c, cov]) => !cov.complete(lasts[c] ?? cov.base))
          .map(([c, cov]) => `${c} missing ${cov.gaps(lasts[c] ?? cov.base, 3).map(([a, b]) => (a === b ? a : `${a}..${b}`)).join(',')}`);
        r.gapExamples.push(`user ${h.spec.index}${h.spec.slow ? ' (slow)' : ''}${h.client ? '' : ' (not connected)'}: ${gaps.join('; ')}`);
      }
    }
    if (!h.spec.slow) continue;
    r.slowClients++;
    if (!h.lost) continue;
    r.slowClosedClients++;
    if (h.resumed) r.slowResumed++;
    if (h.resumed && ok) r.slowResumedNoGap++;
  }
  return r;
}

async function closeAll(): Promise<void> {
  stopping = true;
  if (ticker) clearInterval(ticker);
  for (const h of held) {
    if (h.ping) clearInterval(h.ping);
    h.client?.close();
  }
  await sleep(500);
}

async function handle(c: ReadinessCommand): Promise<ReadinessReply> {
  switch (c.cmd) {
    case 'connect':
      slow = c.slow;
      return { id: c.id, ok: true, result: await connect(c.clients, c.concurrency) };
    case 'start':
      start(c.start);
      return { id: c.id, ok: true, result: null };
    case 'stopSends':
      await stopSends(c.drainMs);
      return { id: c.id, ok: true, result: null };
    case 'finish':
      return { id: c.id, ok: true, result: await finish(c.lasts, c.timeoutMs) };
    case 'close':
      await closeAll();
      return { id: c.id, ok: true, result: null };
  }
}

serveForkedWorker<ReadinessCommand>('readiness worker', handle);
