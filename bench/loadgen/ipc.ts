import { ConnectTarget, Dialect } from './ws-client';

/** One connection a worker is asked to open. */
export interface ConnSpec {
  target: ConnectTarget;
  dialect: Dialect;
  /** Full clients parse and timestamp every frame; the rest only count. */
  full: boolean;
  /** Members of the fan-out group are expected to receive every message; the others none. */
  member: boolean;
  /** Sent once the connection is ready (a resume request). */
  greeting?: string;
}

export type WorkerCommand =
  | { id: number; cmd: 'connect'; conns: ConnSpec[]; concurrency: number; readyTimeoutMs: number }
  | { id: number; cmd: 'mark' }
  | { id: number; cmd: 'collect'; expected: number; withLatencies: boolean }
  | { id: number; cmd: 'close' };

export interface ConnectResult {
  opened: number;
  failed: number;
  /** Connections that were dropped before ready once and then opened on a second try. */
  retried: number;
  /** Up to a few distinct failure messages, for the report. */
  errors: string[];
}

/** Counts since the last mark, over the worker's connections. */
export interface CollectResult {
  open: number;
  /** Connections that closed without being asked to, by close code. */
  closeCodes: Record<string, number>;
  members: number;
  membersExact: number;
  membersShort: number;
  membersOver: number;
  /** Messages received by members (sum) and their payload bytes. */
  memberMessages: number;
  memberBytes: number;
  nonMembers: number;
  nonMembersWithMessages: number;
  /** Full clients: send-to-arrival latencies in ms (only when asked for). */
  latenciesMs: number[];
  /** Full clients: samples seen, frames out of seq order, frames that did not decode. */
  samples: number;
  outOfOrder: number;
  undecodable: number;
}

export type WorkerReply =
  | { id: number; ok: true; result: ConnectResult | CollectResult | null }
  | { id: number; ok: false; error: string };

/** Counts of nothing yet: the start of a worker's count and of a merge. */
export function emptyCollect(): CollectResult {
  return {
    open: 0,
    closeCodes: {},
    members: 0,
    membersExact: 0,
    membersShort: 0,
    membersOver: 0,
    memberMessages: 0,
    memberBytes: 0,
    nonMembers: 0,
    nonMembersWithMessages: 0,
    latenciesMs: [],
    samples: 0,
    outOfOrder: 0,
    undecodable: 0,
  };
}

/**
 * The body of a worker forked by a bench coordinator: bounded by the time given as its first
 * argument, gone when the coordinator disconnects, and answering each command with handle's reply
 * (or an error reply carrying the command's id).
 */
export function serveForkedWorker<C extends { id: number }>(what: string, handle: (command: C) => Promise<unknown>): void {
  const maxDurationMs = Number(process.argv[2]);
  if (!process.send || !Number.isFinite(maxDurationMs) || maxDurationMs <= 0) {
    process.stderr.write(`usage: forked by ${what}'s coordinator, with a time bound in ms as the first argument\n`);
    process.exit(2);
  }
  setTimeout(() => {
    process.stderr.write(`${what} ${process.pid}: time bound of ${maxDurationMs} ms reached, exiting\n`);
    process.exit(3);
  }, maxDurationMs).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: C) => {
    handle(m).then(
      (reply) => process.send?.(reply),
      (err: unknown) => process.send?.({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}
