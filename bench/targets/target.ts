import { ConnectTarget, Dialect } from '../loadgen/ws-client';

export type TargetName = 'parley' | 'parley-mesh' | 'bare-uws' | 'socketio';

/** The shape of a capacity + fan-out round: receivers 0..members-1 are in the fan-out group. */
export interface FanoutShape {
  connections: number;
  members: number;
}

export interface StartOptions {
  /** When set, the server side runs with `node --cpu-prof` writing profiles here. */
  cpuProfileDir?: string;
  /** When set, Parley's processes write a heap snapshot here on SIGUSR2 (`--heap-snapshots`). */
  heapSnapshotDir?: string;
}

/** One started instance of a target: what the load generator connects to, and what is measured. */
export interface TargetSession {
  readonly dialect: Dialect;
  /**
   * The processes whose CPU is the server side. Standalone Parley and a one-process peer are one
   * process; a cluster of peers lists each, the mesh lists every gateway and service process.
   */
  serverPids(): number[];
  /**
   * The processes that hold the sockets, whose RSS growth is the memory per connection (default:
   * serverPids). The mesh's gateways: its services' memory does not grow with connections.
   */
  socketPids?(): number[];
  /**
   * Data systems the server side uses (Kafka, Cassandra, Postgres, Redis JVMs and servers), whose
   * CPU is reported beside the server's, not in it: they are shared, and their idle work is noise.
   */
  dataPids?(): number[];
  /** Every server-side and data-system process by name, for a CPU breakdown (multi-process targets). */
  namedPids?(): Record<string, number>;
  /** Upgrade request of receiver i (0 <= i < connections); a mesh target spreads them over gateways. */
  receiver(i: number): ConnectTarget;
  /**
   * The sender's sockets: each fan-out frame is sent on every one. One for Parley and Socket.IO (the
   * server side relays between its processes itself); one per process for a cluster of bare uWS
   * servers, which have no relay of their own (the ideal: no inter-process hop at all).
   */
  senders(): ConnectTarget[];
  /**
   * The V8 heap in use and the memory held outside it (external), summed over the server side, when
   * the target can tell: it splits a connection's cost between JS objects and native/WASM memory.
   */
  heap(): Promise<HeapReading | null>;
  /** The text frame that makes the server fan message n (of this session) out, stamped with the send time. */
  senderFrame(n: number, sentNs: bigint): string;
  resume: ResumeSupport;
  stop(): Promise<void>;
}

/** How a reconnecting client of this target asks for what it missed (the reconnect storm). */
export interface ResumeSupport {
  /** The frame a client sends once reconnected, asking for every message after `afterSeq`. */
  frame(afterSeq: number): string;
  /** Frames the server answers a resume of `missed` messages with (Parley adds a `sync.done`). */
  answerFrames(missed: number): number;
  /** The newest message's seq, given that this session has sent `sent` messages (the peers number them 1..n). */
  lastSeq(sent: number): Promise<number>;
  /** Reads the target's message store has served so far; null when it has no store (the peers). */
  storeReads(): Promise<number | null>;
}

export interface HeapReading {
  heapUsedBytes: number;
  externalBytes: number;
}

/** A system under test: started afresh for every round, so every round's memory starts from idle. */
export interface BenchTarget {
  readonly name: TargetName;
  /** Work done once before rounds, outside any measurement (Parley: users, tokens, groups). */
  prepare(shape: FanoutShape, log: (line: string) => void): Promise<void>;
  start(shape: FanoutShape, options: StartOptions): Promise<TargetSession>;
}

/** Padding of fan-out texts, so each target fans out a message of a realistic size. */
export const FANOUT_TEXT_CHARS = 64;
