import { decodeFanoutFrame } from './fanout-frames';
import { CollectResult, ConnectResult, ConnSpec, emptyCollect, serveForkedWorker, WorkerCommand, WorkerReply } from './ipc';
import { ClientOptions, RawWsClient } from './ws-client';

/**
 * A load-generator worker (forked by LoadGenerator). It opens the connections it is given, counts
 * what they receive, and answers the coordinator over IPC. It stops itself when the coordinator goes
 * away or its time bound (argv[2], ms) passes, so no run can leave it behind.
 */

/** Bound on latency samples kept between two marks. */
const MAX_SAMPLES = 1_000_000;
const MAX_ERRORS_REPORTED = 5;

/** Per-connection state a full client's frames update. */
interface Track {
  spec: ConnSpec;
  lastSeq: number;
}

interface Entry {
  client: RawWsClient;
  spec: ConnSpec;
}

const entries: Entry[] = [];
const closingByRequest = new Set<RawWsClient>();
const closeCodes = new Map<number, number>();
let latencies: number[] = [];
let samples = 0;
let outOfOrder = 0;
let undecodable = 0;
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);

function recordFrame(entry: Track, text: string, arrivedNs: bigint): void {
  let sample;
  try {
    sample = decodeFanoutFrame(entry.spec.dialect, text);
  } catch {
    undecodable++; // counted and reported: a frame a real client could not parse
    return;
  }
  if (sample === null) return;
  samples++;
  if (sample.seq <= entry.lastSeq) outOfOrder++;
  entry.lastSeq = sample.seq;
  if (latencies.length < MAX_SAMPLES) latencies.push(Number(arrivedNs - sample.sentNs) / 1e6);
}

async function connectAll(conns: ConnSpec[], concurrency: number, readyTimeoutMs: number): Promise<ConnectResult> {
  let next = 0;
  let opened = 0;
  let failed = 0;
  let retried = 0;
  const errors = new Set<string>();
  const lane = async () => {
    while (next < conns.length) {
      const spec = conns[next++];
      const track: Track = { spec, lastSeq: 0 };
      try {
        const options: ClientOptions = {
          dialect: spec.dialect,
          full: spec.full,
          greeting: spec.greeting,
          sharedReadBuffer: spec.full ? undefined : sharedReadBuffer,
          readyTimeoutMs,
          onText: spec.full ? (text, at) => recordFrame(track, text, at) : undefined,
          onClosed: (c) => {
            if (closingByRequest.delete(c)) return;
            const code = c.closeCode ?? 1006;
            closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
          },
        };
        const client = await RawWsClient.openRetrying(spec.target, options, 2, () => retried++);
        entries.push({ client, spec });
        opened++;
      } catch (err) {
        failed++;
        if (errors.size < MAX_ERRORS_REPORTED) errors.add(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { opened, failed, retried, errors: [...errors] };
}

function collect(expected: number, withLatencies: boolean): CollectResult {
  const r: CollectResult = {
    ...emptyCollect(),
    closeCodes: Object.fromEntries([...closeCodes].map(([k, v]) => [String(k), v])),
    latenciesMs: withLatencies ? latencies : [],
    samples,
    outOfOrder,
    undecodable,
  };
  for (const { client, spec } of entries) {
    if (client.isOpen) r.open++;
    const got = client.messagesSinceMark;
    if (spec.member) {
      r.members++;
      r.memberMessages += got;
      r.memberBytes += client.bytesSinceMark;
      if (got === expected) r.membersExact++;
      else if (got < expected) r.membersShort++;
      else r.membersOver++;
    } else {
      r.nonMembers++;
      if (got > 0) r.nonMembersWithMessages++;
    }
  }
  return r;
}

async function closeAll(): Promise<void> {
  const open = entries.filter((e) => e.client.isOpen);
  for (const e of open) closingByRequest.add(e.client);
  for (const e of open) e.client.close();
  entries.length = 0;
  // Give the closes a moment to reach the server (bounded: sockets destroy themselves after 2 s).
  await new Promise((r) => setTimeout(r, 500));
}

async function handle(c: WorkerCommand): Promise<WorkerReply> {
  switch (c.cmd) {
    case 'connect':
      return { id: c.id, ok: true, result: await connectAll(c.conns, c.concurrency, c.readyTimeoutMs) };
    case 'mark':
      for (const e of entries) e.client.mark();
      latencies = [];
      samples = 0;
      outOfOrder = 0;
      undecodable = 0;
      return { id: c.id, ok: true, result: null };
    case 'collect':
      return { id: c.id, ok: true, result: collect(c.expected, c.withLatencies) };
    case 'close':
      await closeAll();
      return { id: c.id, ok: true, result: null };
  }
}

serveForkedWorker<WorkerCommand>('load worker', handle);
