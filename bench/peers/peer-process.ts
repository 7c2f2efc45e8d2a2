/**
 * The bench's side of a peer process, shared by the peers: answer the coordinator's memory queries
 * over IPC (ServerProcess.memory) and stop on SIGTERM, SIGINT or when the coordinator goes away.
 */
export function servePeerProcess(stop: () => void): void {
  process.on('message', (m: unknown) => {
    if ((m as { type?: unknown } | null)?.type !== 'memory') return;
    const u = process.memoryUsage();
    process.send?.({ type: 'memory', heapUsed: u.heapUsed, external: u.external });
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
