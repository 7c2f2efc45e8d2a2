import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';
import { servePeerProcess } from './peer-process';

/**
 * What most Node teams would deploy: Socket.IO (websocket transport only, no compression) with its
 * Redis adapter, so a broadcast also reaches the other servers of a cluster. Sockets opened with
 * `member=1` join one room; each `send` event from the socket opened with `role=sender` is broadcast
 * to that room through the adapter as a `message` event shaped like a chat message.
 *
 * For the reconnect storm it keeps what it broadcast (the last MAX_KEPT, in memory) and answers a
 * socket's `resume` event (the number of messages it holds) with the later ones, one event each.
 *
 * Run by the bench (forked, port in BENCH_PORT, Redis in BENCH_REDIS_URL, the cluster's adapter key in
 * BENCH_REDIS_KEY, readiness over IPC).
 */

const ROOM = 'bench';
const MAX_TEXT = 4000;
const MAX_KEPT = 10_000;

interface SendPayload {
  seq: number;
  text: string;
}

function isSendPayload(v: unknown): v is SendPayload {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return Number.isSafeInteger(r.seq) && typeof r.text === 'string' && r.text.length <= MAX_TEXT;
}

async function main(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  const redisUrl = process.env.BENCH_REDIS_URL ?? '';
  if (!Number.isInteger(port) || port <= 0 || port > 65535 || !redisUrl.startsWith('redis://')) {
    process.stderr.write('socketio: BENCH_PORT must be a port and BENCH_REDIS_URL a redis:// URL\n');
    process.exit(2);
  }
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: 2, connectTimeout: 5000 });
  const sub = pub.duplicate();
  await Promise.all([pub.ping(), sub.ping()]);
  const http = createServer();
  const io = new Server(http, {
    transports: ['websocket'],
    perMessageDeflate: false,
    httpCompression: false,
    serveClient: false,
    // One key per cluster (BENCH_REDIS_KEY): the processes of a run share broadcasts, runs do not.
    adapter: createAdapter(pub, sub, { key: process.env.BENCH_REDIS_KEY || `parley-bench-${process.pid}` }),
  });
  /** What was broadcast, in order: message k (1-based) is kept[k - 1 - dropped]. */
  const kept: object[] = [];
  let dropped = 0;
  const keep = (m: object) => {
    kept.push(m);
    if (kept.length > MAX_KEPT) {
      kept.shift();
      dropped++;
    }
  };
  io.on('connection', (socket) => {
    const q = socket.handshake.query;
    if (q.member === '1') void socket.join(ROOM);
    socket.on('resume', (after: unknown) => {
      if (!Number.isSafeInteger(after) || (after as number) < 0) return;
      for (let i = Math.max(0, (after as number) - dropped); i < kept.length; i++) socket.emit('message', kept[i]);
    });
    if (q.role !== 'sender') return;
    socket.on('send', (payload: unknown) => {
      if (!isSendPayload(payload)) {
        socket.emit('error_frame', { code: 'VALIDATION_FAILED' });
        return;
      }
      const message = {
        conversation_id: ROOM,
        seq: payload.seq,
        sender_id: socket.id,
        text: payload.text,
        created_at: new Date().toISOString(),
      };
      io.to(ROOM).emit('message', message);
      keep(message);
      // The other processes of a cluster keep their copy too (server-side emit, through the adapter).
      io.serverSideEmit('kept', message);
    });
  });
  io.on('kept', (m: unknown) => {
    if (typeof m === 'object' && m !== null) keep(m);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  process.send?.({ type: 'ready', name: 'socketio', pid: process.pid });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 3000).unref();
    io.close();
    void Promise.allSettled([pub.quit(), sub.quit()]).then(() => process.exit(0));
  };
  servePeerProcess(stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`socketio: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
