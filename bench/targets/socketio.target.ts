import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { stampedText } from '../loadgen/fanout-frames';
import { profileFlags } from './bare-uws.target';
import { BenchTarget, FANOUT_TEXT_CHARS, FanoutShape, StartOptions, TargetSession } from './target';
import { freePort, ServerProcess } from './server-process';

const ENGINE_IO_PATH = '/socket.io/?EIO=4&transport=websocket';

/**
 * Socket.IO with its Redis adapter (bench/peers/socketio.ts). Redis is the project's own
 * (`infra/bin/parley-infra start redis`, idempotent); the bench never stops it, and Redis's CPU is
 * not counted on the server side (it is shared with other work on this machine; one PUBLISH per message).
 */
export class SocketIoTarget implements BenchTarget {
  readonly name = 'socketio' as const;

  constructor(
    private readonly repoRoot: string,
    private readonly redisUrl: string,
  ) {}

  async prepare(_shape: FanoutShape, log: (line: string) => void): Promise<void> {
    log('starting Redis for the Socket.IO adapter (idempotent)');
    execFileSync(join(this.repoRoot, 'infra', 'bin', 'parley-infra'), ['start', 'redis'], { stdio: 'inherit', timeout: 120_000 });
  }

  async start(shape: FanoutShape, options: StartOptions): Promise<TargetSession> {
    const port = await freePort();
    const server = await ServerProcess.start({
      script: join(__dirname, '..', 'peers', 'socketio.js'),
      env: { BENCH_PORT: String(port), BENCH_REDIS_URL: this.redisUrl },
      execArgv: profileFlags(options),
      readyTimeoutMs: 30_000,
    });
    const host = '127.0.0.1';
    return {
      dialect: 'engine.io',
      serverPids: () => [server.pid],
      heap: async () => {
        const m = await server.memory();
        return m ? { heapUsedBytes: m.heapUsed, externalBytes: m.external } : null;
      },
      receiver: (i) => ({ host, port, path: `${ENGINE_IO_PATH}&member=${i < shape.members ? 1 : 0}` }),
      sender: () => ({ host, port, path: `${ENGINE_IO_PATH}&role=sender` }),
      senderFrame: (n, sentNs) => `42${JSON.stringify(['send', { seq: n + 1, text: stampedText(sentNs, FANOUT_TEXT_CHARS) }])}`,
      stop: () => server.stop(),
    };
  }
}
