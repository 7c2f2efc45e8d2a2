const DONE: Promise<void> = Promise.resolve();

/**
 * Bytes written in the current event-loop turn, with a limit: past it, the writer waits for the
 * next turn. uWS writes topic publishes into socket buffers between turns, and the slow-reader
 * checks run then (ws/socket-writer.ts), so a budget per turn bounds how far one burst can carry
 * a socket's buffer before it is looked at.
 */
export class TurnBudget {
  private spent = 0;

  constructor(readonly limit: number) {}

  /** Records bytes just written; resolves at once under the limit, else once this turn is over. */
  spend(bytes: number): Promise<void> {
    if (this.spent === 0) {
      setImmediate(() => {
        this.spent = 0;
      });
    }
    this.spent += bytes;
    if (this.spent < this.limit) return DONE;
    return new Promise((resolve) => setImmediate(resolve));
  }
}
