import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { stampedText } from '../loadgen/fanout-frames';
import { profileFlags } from './bare-uws.target';
import { PeerCluster } from './cluster';
import { freePort } from '../../test/support/ports';
import { ServerProcess } from './server-process';
import { BenchTarget, FANOUT_TEXT_CHARS, FanoutShape, StartOptions, TargetSession } from './target';

const ENGINE_IO_PATH = '/socket.io/?EIO=4&transport=websocket';

/**
 * Socket.IO with its Redis adapter (bench/peers/socketio.ts), as one process or a cluster: the
 * sender talks to the first process and the adapter carries each broadcast to the others through
 * Redis, as a Socket.IO deployment does. Redis is the project's own (`infra/bin/parley-infra start
 * redis`, idempotent); the bench never stops it, and its CPU is reported with the data systems.
 */
export class SocketIoTarget implements BenchTarget {
  readonly name = 'socketio' as const;

  constructor(
    private readonly repoRoot: string,
    private readonly redisUrl: string,
    private readonly processes: number,
  ) {}

  async prepare(_shape: FanoutShape, log: (line: string) => void): Promise<void> {
    log('starting Redis for the Socket.IO adapter (idempotent)');
    execFileSync(join(this.repoRoot, 'infra', 'bin', 'parley-infra'), ['start', 'redis'], { stdio: 'inherit', timeout: 120_000 });
  }

  async start(shape: FanoutShape, options: StartOptions): Promise<TargetSession> {
    const key = `parley-bench-${randomBytes(6).toString('hex')}`;
    const cluster = await PeerCluster.start(this.processes, async () => {
      const port = await freePort();
      const server = await ServerProcess.start({
        script: join(__dirname, '..', 'peers', 'socketio.js'),
        env: { BENCH_PORT: String(port), BENCH_REDIS_URL: this.redisUrl, BENCH_REDIS_KEY: key },
        execArgv: profileFlags(options),
        readyTimeoutMs: 30_000,
      });
      return { server, port };
    });
    const host = '127.0.0.1';
    return {
      dialect: 'engine.io',
      serverPids: () => cluster.pids(),
      heap: () => cluster.heap(),
      receiver: (i) => ({ host, port: cluster.memberFor(i).port, path: `${ENGINE_IO_PATH}&member=${i < shape.members ? 1 : 0}` }),
      senders: () => [{ host, port: cluster.members[0].port, path: `${ENGINE_IO_PATH}&role=sender` }],
      senderFrame: (n, sentNs) => `42${JSON.stringify(['send', { seq: n + 1, text: stampedText(sentNs, FANOUT_TEXT_CHARS) }])}`,
      resume: {
        frame: (afterSeq) => `42${JSON.stringify(['resume', afterSeq])}`,
        answerFrames: (missed) => missed,
        lastSeq: async (sent) => sent,
        storeReads: async () => null,
      },
      stop: () => cluster.stop(),
    };
  }
}
