import { StartOptions } from '../target';

/**
 * A running Parley the bench drives: standalone (one process) or the mesh (a supervisor and its
 * service processes on the real data systems). Everything the bench does goes through `ports`:
 * the public v1 API of each gateway.
 */
export interface RunningParley {
  /** Public ports of the gateways (standalone: one). */
  readonly ports: number[];
  /** Every Parley process (CPU): standalone's one, or every gateway and service of the mesh. */
  serverPids(): number[];
  /** The processes holding the sockets (their RSS growth is the memory per connection). */
  socketPids(): number[];
  /** The data systems' processes (mesh: Kafka, Cassandra, Postgres, Redis), for their CPU. */
  dataPids(): number[];
  /** Every process by name (mesh children and data systems), for a CPU breakdown. */
  namedPids(): Record<string, number>;
  /** The /metrics URLs of the processes that read the message store (standalone: its one; mesh: messaging's admin ports). */
  storeMetricsUrls(): string[];
  /** The gateways' /metrics URLs (their admin ports; standalone: its one). */
  gatewayMetricsUrls(): string[];
  stop(): Promise<void>;
}

export interface ParleyDeployment {
  /** `parley` (standalone) or `parley-mesh`. */
  readonly kind: 'parley' | 'parley-mesh';
  /** Gateways a started deployment has (connections are spread over them). */
  readonly gateways: number;
  /** Registrations in flight while preparing (argon2 at the deployment's hash cost). */
  readonly registerConcurrency: number;
  /** Work before the first launch (the mesh: start the data systems). */
  provision(log: (line: string) => void): void;
  /** Starts it, ready to serve; `nice` runs it at a lower priority (setup servers, not measured). */
  launch(options: StartOptions, nice?: number): Promise<RunningParley>;
}

/** Polls a readiness URL until it answers 200. */
export async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}
