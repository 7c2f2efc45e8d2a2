import { unrefReconnectionTimer } from './cassandra-driver-fixes';

interface PoolLike {
  _newConnectionTimeout: NodeJS.Timeout | null;
  isClosing(): boolean;
  options: object;
  connections: unknown[];
  coreConnectionsLength: number;
}

describe('cassandra-driver fixes', () => {
  it("a pool's scheduled reconnection attempt no longer holds the process (the driver's own method, patched)", () => {
    unrefReconnectionTimer();
    unrefReconnectionTimer(); // applied once, whatever the number of calls
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Pool = require('cassandra-driver/lib/host-connection-pool') as { prototype: { scheduleNewConnectionAttempt(this: PoolLike, delay: number): void } };
    const pool: PoolLike = { _newConnectionTimeout: null, isClosing: () => false, options: {}, connections: [{}], coreConnectionsLength: 1 };
    Pool.prototype.scheduleNewConnectionAttempt.call(pool, 60_000);
    const timer = pool._newConnectionTimeout;
    try {
      expect(timer).not.toBeNull();
      expect(timer?.hasRef()).toBe(false);
    } finally {
      if (timer) clearTimeout(timer);
    }
  });
});
