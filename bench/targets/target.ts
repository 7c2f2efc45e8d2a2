import { ConnectTarget, Dialect } from '../loadgen/ws-client';

export type TargetName = 'parley' | 'bare-uws' | 'socketio';

/** The shape of a capacity + fan-out round: receivers 0..members-1 are in the fan-out group. */
export interface FanoutShape {
  connections: number;
  members: number;
}

export interface StartOptions {
  /** When set, the server side runs with `node --cpu-prof` writing profiles here. */
  cpuProfileDir?: string;
}

/** One started instance of a target: what the load generator connects to, and what is measured. */
export interface TargetSession {
  readonly dialect: Dialect;
  /**
   * The processes whose CPU and memory are the server side. Standalone Parley and the peers are one
   * process; a mesh target lists every gateway and service process here.
   */
  serverPids(): number[];
  /** Upgrade request of receiver i (0 <= i < connections); a mesh target spreads them over gateways. */
  receiver(i: number): ConnectTarget;
  sender(): ConnectTarget;
  /**
   * The V8 heap in use and the memory held outside it (external), summed over the server side, when
   * the target can tell: it splits a connection's cost between JS objects and native/WASM memory.
   */
  heap(): Promise<HeapReading | null>;
  /** The text frame that makes the server fan message n (of this session) out, stamped with the send time. */
  senderFrame(n: number, sentNs: bigint): string;
  stop(): Promise<void>;
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
