import { join } from 'node:path';
import { stampedText } from '../loadgen/fanout-frames';
import { BenchTarget, FANOUT_TEXT_CHARS, FanoutShape, StartOptions, TargetSession } from './target';
import { freePort, ServerProcess } from './server-process';

/** The bare uWebSockets.js publish server (bench/peers/bare-uws.ts): the ceiling. */
export class BareUwsTarget implements BenchTarget {
  readonly name = 'bare-uws' as const;

  async prepare(): Promise<void> {
    // Nothing to set up: sockets subscribe at open.
  }

  async start(shape: FanoutShape, options: StartOptions): Promise<TargetSession> {
    const port = await freePort();
    const server = await ServerProcess.start({
      script: join(__dirname, '..', 'peers', 'bare-uws.js'),
      env: { BENCH_PORT: String(port) },
      execArgv: profileFlags(options),
      readyTimeoutMs: 15_000,
    });
    const host = '127.0.0.1';
    return {
      dialect: 'plain',
      serverPids: () => [server.pid],
      heap: async () => {
        const m = await server.memory();
        return m ? { heapUsedBytes: m.heapUsed, externalBytes: m.external } : null;
      },
      receiver: (i) => ({ host, port, path: `/ws?member=${i < shape.members ? 1 : 0}` }),
      sender: () => ({ host, port, path: '/ws?role=sender' }),
      senderFrame: (n, sentNs) => JSON.stringify({ type: 'message', seq: n + 1, text: stampedText(sentNs, FANOUT_TEXT_CHARS) }),
      stop: () => server.stop(),
    };
  }
}

export function profileFlags(options: StartOptions): string[] {
  return options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
}
