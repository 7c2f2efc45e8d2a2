/** Bounded polling for state that the contract makes eventually true (presence, read markers). */

export const DEFAULT_EVENTUALLY_MS = 20_000;
const POLL_INTERVAL_MS = 100;

/**
 * Calls `probe` until it returns without throwing, and returns its value. After `timeoutMs` it fails
 * with the probe's last error, so the failure says what was still wrong.
 */
export async function eventually<T>(what: string, probe: () => Promise<T>, timeoutMs = DEFAULT_EVENTUALLY_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() >= deadline) {
        throw new Error(`${what}: still not true after ${timeoutMs} ms: ${(err as Error).message}`);
      }
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
