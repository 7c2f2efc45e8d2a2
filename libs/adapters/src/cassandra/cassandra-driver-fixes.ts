/**
 * Fixes for cassandra-driver 4.x (checked on 4.10.0), applied once when the adapter loads: timers
 * the driver leaves behind that kept a process alive after `Client#shutdown()` (the integration
 * tier needed Jest's --forceExit for them).
 *
 * `Connection#close()` returns early when the socket is already closed, without clearing the idle
 * heartbeat timer that the connection's first request armed. A connection whose startup failed
 * because the server closed the socket (a node going away while the client connects) is closed
 * that way by the control connection; its timer then sends a heartbeat every 30 s on its own,
 * forever, and keeps the process alive after `Client#shutdown()` (the integration tier needed
 * Jest's --forceExit for it). Clearing the timer on every close fixes it; the rest of close() runs
 * unchanged.
 */
interface DriverConnection {
  _idleTimeout: NodeJS.Timeout | null;
  close(callback?: () => void): void;
}

const PATCHED = Symbol.for('parley.cassandraConnectionClosePatched');

export function clearIdleTimerOnClose(): void {
  // The driver's internal module: not part of its typed API, hence the require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Connection = require('cassandra-driver/lib/connection') as { prototype: DriverConnection & { [PATCHED]?: true } };
  const proto = Connection.prototype;
  if (typeof proto.close !== 'function' || proto[PATCHED]) return;
  const close = proto.close;
  proto.close = function patchedClose(this: DriverConnection, callback?: () => void): void {
    if (this._idleTimeout) {
      clearTimeout(this._idleTimeout);
      this._idleTimeout = null;
    }
    close.call(this, callback);
  };
  proto[PATCHED] = true;
}

interface DriverHost {
  _healthResponseCountTimer: NodeJS.Timeout | null;
  setDistance(distance: number): number;
}

/**
 * A host's 200 ms health-counter interval (armed by `Host#setDistance`) is cleared only by
 * `Host#shutdown()`; a host the control connection drops from its map while re-discovering the
 * cluster after an outage is never shut down, and its interval keeps the process alive. The
 * interval only samples response counters, so it must not hold the process: unref it.
 */
export function unrefHostHealthTimer(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Host = (require('cassandra-driver/lib/host') as { Host: { prototype: DriverHost & { [PATCHED]?: true } } }).Host;
  const proto = Host?.prototype;
  if (!proto || typeof proto.setDistance !== 'function' || proto[PATCHED]) return;
  const setDistance = proto.setDistance;
  proto.setDistance = function patchedSetDistance(this: DriverHost, distance: number): number {
    const result = setDistance.call(this, distance);
    this._healthResponseCountTimer?.unref();
    return result;
  };
  proto[PATCHED] = true;
}

interface DriverPool {
  _newConnectionTimeout: NodeJS.Timeout | null;
  scheduleNewConnectionAttempt(delay: number): void;
}

/**
 * A host's pool reschedules a connection attempt (with a growing back-off) for as long as it is
 * short of connections and not closing. A host the control connection dropped from its map is never
 * shut down, so after `Client#shutdown()` its pool went on trying (and failing) forever, and its
 * timer kept the process alive: the last handle behind the integration tier's --forceExit (seen
 * with a timer dump after a green Kafka + Cassandra run). A live client's sockets and servers keep
 * a process alive, not its reconnection back-off: unref it.
 */
export function unrefReconnectionTimer(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Pool = require('cassandra-driver/lib/host-connection-pool') as { prototype?: DriverPool & { [PATCHED]?: true } };
  const proto = Pool.prototype;
  if (!proto || typeof proto.scheduleNewConnectionAttempt !== 'function' || proto[PATCHED]) return;
  const schedule = proto.scheduleNewConnectionAttempt;
  proto.scheduleNewConnectionAttempt = function patchedSchedule(this: DriverPool, delay: number): void {
    schedule.call(this, delay);
    this._newConnectionTimeout?.unref();
  };
  proto[PATCHED] = true;
}
