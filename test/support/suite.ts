/**
 * Shared wiring for an end-to-end file: one Parley per file, started before its tests and stopped
 * after them, and tests whose failures carry the tail of the server's log.
 */
import { startParley, stopAll, type ParleyProcess, type StartOptions } from './parley-process';

/** Bound for one end-to-end test; waits inside a test have their own, shorter bounds. */
export const E2E_TEST_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 90_000;

export interface ParleyHandle {
  /** The running Parley; throws if beforeAll has not started it. */
  readonly current: ParleyProcess;
  /** The Parley if it started, else null. */
  started(): ParleyProcess | null;
}

/** Starts one Parley for this file (beforeAll) and stops every process the file started (afterAll). */
export function useParley(opts: StartOptions = {}): ParleyHandle {
  let parley: ParleyProcess | null = null;
  beforeAll(async () => {
    parley = await startParley(opts);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await stopAll();
  }, START_TIMEOUT_MS);
  const handle: ParleyHandle = {
    get current(): ParleyProcess {
      if (parley === null) throw new Error('Parley did not start (see the beforeAll error)');
      return parley;
    },
    started: () => parley,
  };
  lastHandle = handle;
  return handle;
}

let lastHandle: ParleyHandle | null = null;

/**
 * `test` whose failure message ends with the server's recent log lines, so a failing run in CI
 * shows what the server said. `parleys` (processes that have started) defaults to this file's useParley handle.
 */
export function e2eTest(name: string, fn: () => Promise<void>, parleys?: () => ParleyProcess[]): void {
  test(
    name,
    async () => {
      try {
        await fn();
      } catch (err) {
        const processes = parleys ? parleys() : [lastHandle?.started()].filter((p): p is ParleyProcess => p != null);
        const tails = processes.map((p) => `--- Parley on port ${p.port}: last log lines ---\n${p.logs() || '(no output)'}`);
        if (err instanceof Error && tails.length > 0) appendToError(err, `\n\n${tails.join('\n')}`);
        throw err;
      }
    },
    E2E_TEST_TIMEOUT_MS,
  );
}

/** Jest prints the message and then the stack's frames, so the text goes into the message only. */
function appendToError(err: Error, extra: string): void {
  err.message += extra;
}
