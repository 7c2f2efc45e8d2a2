import { join } from 'node:path';
import { stampedText } from '../loadgen/fanout-frames';
import { PeerCluster } from './cluster';
import { freePort } from '../../test/support/ports';
import { ServerProcess } from './server-process';
import { BenchTarget, FANOUT_TEXT_CHARS, FanoutShape, StartOptions, TargetSession } from './target';

/**
 * The bare uWebSockets.js publish server (bench/peers/bare-uws.ts): the ceiling. Above one process's
 * share of sockets it runs as a cluster; the sender then has one control socket per process, so a
 * message reaches every process without any relay (the ideal no real cluster achieves).
 */
export class BareUwsTarget implements BenchTarget {
  readonly name = 'bare-uws' as const;

  constructor(private readonly processes: number) {}

  async prepare(): Promise<void> {
    // Nothing to set up: sockets subscribe at open.
  }

  async start(shape: FanoutShape, options: StartOptions): Promise<TargetSession> {
    const cluster = await PeerCluster.start(this.processes, async () => {
      const port = await freePort();
      const server = await ServerProcess.start({
        script: join(__dirname, '..', 'peers', 'bare-uws.js'),
        env: { BENCH_PORT: String(port) },
        execArgv: profileFlags(options),
        readyTimeoutMs: 15_000,
      });
      return { server, port };
    });
    const host = '127.0.0.1';
    return {
      dialect: 'plain',
      serverPids: () => cluster.pids(),
      heap: () => cluster.heap(),
      receiver: (i) => ({ host, port: cluster.memberFor(i).port, path: `/ws?member=${i < shape.members ? 1 : 0}` }),
      senders: () => cluster.members.map((m) => ({ host, port: m.port, path: '/ws?role=sender' })),
      senderFrame: (n, sentNs) => JSON.stringify({ type: 'message', seq: n + 1, text: stampedText(sentNs, FANOUT_TEXT_CHARS) }),
      resume: {
        frame: (afterSeq) => `resume:${afterSeq}`,
        answerFrames: (missed) => missed,
        lastSeq: async (sent) => sent,
        storeReads: async () => null,
      },
      stop: () => cluster.stop(),
    };
  }
}

/** Node flags for the profiling options (CPU profile at exit; heap snapshot on SIGUSR2). */
export function profileFlags(options: StartOptions): string[] {
  return [
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    ...(options.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${options.heapSnapshotDir}`] : []),
  ];
}
