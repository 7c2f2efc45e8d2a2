import { App, DISABLED, us_listen_socket, us_listen_socket_close } from 'uWebSockets.js';
import { servePeerProcess } from './peer-process';

/**
 * The ceiling Parley's gateway is compared with: a bare uWebSockets.js server that does nothing but
 * hold sockets and publish. Every socket opened with `member=1` subscribes to one topic; the socket
 * opened with `role=sender` is the control socket, and each text frame it sends is published, as
 * received, to that topic (one C++ call serializes it once for all subscribers).
 *
 * For the reconnect storm it keeps the frames it published (the last MAX_KEPT, in memory: no store,
 * no auth) and answers a socket's `resume:<n>` text with the frames after the n-th, one by one: the
 * least a resume can cost.
 *
 * Run by the bench (forked, port in BENCH_PORT, readiness over IPC). Loopback only.
 */

const TOPIC = 'bench';
/** A control frame larger than this is dropped by uWS (fan-out frames are ~100 bytes). */
const MAX_FRAME_BYTES = 16 * 1024;
/** Published frames kept for resumes (bounded: the oldest go first). */
const MAX_KEPT = 10_000;
const RESUME = /^resume:(\d{1,9})$/;

interface SocketData {
  member: boolean;
  sender: boolean;
}

function main(): void {
  const port = Number(process.env.BENCH_PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write(`bare-uws: BENCH_PORT must be a port number, got "${process.env.BENCH_PORT ?? ''}"\n`);
    process.exit(2);
  }
  const app = App();
  let listenSocket: us_listen_socket | null = null;
  /** Published frames: frame k (1-based) is kept[k - 1 - dropped]. */
  const kept: Buffer[] = [];
  let dropped = 0;
  app.ws<SocketData>('/*', {
    compression: DISABLED,
    maxPayloadLength: MAX_FRAME_BYTES,
    idleTimeout: 120,
    maxBackpressure: 1024 * 1024,
    upgrade: (res, req, context) => {
      const member = req.getQuery('member') === '1';
      const sender = req.getQuery('role') === 'sender';
      res.upgrade<SocketData>(
        { member, sender },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      if (ws.getUserData().member) ws.subscribe(TOPIC);
    },
    message: (ws, message, isBinary) => {
      if (ws.getUserData().sender) {
        app.publish(TOPIC, message, isBinary, false);
        kept.push(Buffer.from(message)); // uWS reuses `message` after this call: keep a copy
        if (kept.length > MAX_KEPT) {
          kept.shift();
          dropped++;
        }
        return;
      }
      const m = RESUME.exec(Buffer.from(message).toString('latin1'));
      if (!m) return;
      const from = Math.max(0, Number(m[1]) - dropped);
      ws.cork(() => {
        for (let i = from; i < kept.length; i++) ws.send(kept[i], false, false);
      });
    },
  });
  app.listen('127.0.0.1', port, (s) => {
    if (!s) {
      process.stderr.write(`bare-uws: cannot listen on 127.0.0.1:${port}\n`);
      process.exit(1);
    }
    listenSocket = s;
    process.send?.({ type: 'ready', name: 'bare-uws', pid: process.pid });
  });
  const stop = () => {
    if (listenSocket) us_listen_socket_close(listenSocket);
    process.exit(0);
  };
  servePeerProcess(stop);
}

main();
