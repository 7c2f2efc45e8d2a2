import { HeapReading } from './target';
import { ServerProcess } from './server-process';

/** One server process of a cluster and the port it listens on. */
export interface Member {
  server: ServerProcess;
  port: number;
}

/**
 * A peer run as `size` identical processes (one process holds at most ~20,000 sockets here, the
 * open-file limit): connection i goes to process i mod size, and what is measured sums over all.
 */
export class PeerCluster {
  private constructor(readonly members: Member[]) {}

  static async start(size: number, launch: (index: number) => Promise<Member>): Promise<PeerCluster> {
    const members: Member[] = [];
    try {
      // One at a time: each forks and loads modules, and the machine has two cores.
      for (let i = 0; i < size; i++) members.push(await launch(i));
    } catch (err) {
      await Promise.all(members.map((m) => m.server.stop()));
      throw err;
    }
    return new PeerCluster(members);
  }

  memberFor(connection: number): Member {
    return this.members[connection % this.members.length];
  }

  pids(): number[] {
    return this.members.map((m) => m.server.pid);
  }

  /** process.memoryUsage() summed over the cluster (null when a process does not answer). */
  async heap(): Promise<HeapReading | null> {
    const parts = await Promise.all(this.members.map((m) => m.server.memory()));
    if (parts.some((p) => p === null)) return null;
    return parts.reduce<HeapReading>((a, p) => ({ heapUsedBytes: a.heapUsedBytes + (p?.heapUsed ?? 0), externalBytes: a.externalBytes + (p?.external ?? 0) }), { heapUsedBytes: 0, externalBytes: 0 });
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.server.stop()));
  }
}
