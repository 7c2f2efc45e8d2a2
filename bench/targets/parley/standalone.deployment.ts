import { join } from 'node:path';
import { profileFlags } from '../bare-uws.target';
import { freePort } from '../../../test/support/ports';
import { ServerProcess } from '../server-process';
import { StartOptions } from '../target';
import { ParleyDeployment, RunningParley, waitReady } from './deployment';

/** Registration runs argon2id at the standard cost (~40 ms of a core each): a few in flight keep both cores busy. */
const REGISTER_CONCURRENCY = 6;

/** Standalone Parley: gateway, services and embedded stores (PGlite) in one process. */
export class StandaloneDeployment implements ParleyDeployment {
  readonly kind = 'parley' as const;
  readonly gateways = 1;
  readonly registerConcurrency = REGISTER_CONCURRENCY;

  constructor(
    /** Checkout whose dist/apps/standalone/src/main.js is the Parley under test. */
    private readonly parleyRoot: string,
    private readonly dataDir: string,
  ) {}

  provision(): void {
    // Embedded stores: nothing to start.
  }

  async launch(options: StartOptions, nice?: number): Promise<RunningParley> {
    const port = await freePort();
    const adminPort = await freePort();
    const server = await ServerProcess.start({
      script: join(this.parleyRoot, 'dist', 'apps', 'standalone', 'src', 'main.js'),
      cwd: this.parleyRoot,
      env: {
        PARLEY_MODE: 'standalone',
        PARLEY_HOST: '127.0.0.1',
        PARLEY_PORT: String(port),
        PARLEY_ADMIN_HOST: '127.0.0.1',
        PARLEY_ADMIN_PORT: String(adminPort),
        PARLEY_DATA_DIR: this.dataDir,
        PARLEY_LOG_LEVEL: 'warn',
        PARLEY_SEND_RATE_PER_SECOND: '100000',
        // The bench signs up thousands of users from one address.
        PARLEY_AUTH_ATTEMPTS_PER_MINUTE: '100000000',
        PARLEY_REGISTRATIONS_PER_MINUTE: '100000000',
      },
      execArgv: profileFlags(options),
      readyTimeoutMs: 120_000,
      nice,
    });
    await waitReady(`http://127.0.0.1:${port}/readyz`, 60_000);
    return {
      ports: [port],
      serverPids: () => [server.pid],
      socketPids: () => [server.pid],
      dataPids: () => [],
      namedPids: () => ({ standalone: server.pid }),
      storeMetricsUrls: () => [`http://127.0.0.1:${adminPort}/metrics`],
      gatewayMetricsUrls: () => [`http://127.0.0.1:${adminPort}/metrics`],
      stop: () => server.stop(options.cpuProfileDir ? PROFILED_STOP_GRACE_MS : undefined),
    };
  }
}

/** A profiled process writes its profile at exit, which takes a while after a long run. */
export const PROFILED_STOP_GRACE_MS = 120_000;
