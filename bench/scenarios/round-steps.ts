import { CollectResult } from '../loadgen/ipc';
import { LoadGenerator } from '../loadgen/load-generator';
import { SourceAddresses } from '../loadgen/source-addresses';
import { RawWsClient } from '../loadgen/ws-client';
import { TargetSession } from '../targets/target';

/** Steps the fan-out and storm rounds share. */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens the target's sender sockets (one, or one per process of a bare cluster); all or none. */
export async function openSenders(session: TargetSession, addresses: SourceAddresses, readyTimeoutMs: number, onRetry: () => void): Promise<RawWsClient[]> {
  const opened: RawWsClient[] = [];
  try {
    for (const target of session.senders()) {
      opened.push(await RawWsClient.openRetrying({ ...target, localAddress: addresses.take() }, { dialect: session.dialect, full: false, readyTimeoutMs }, 2, onRetry));
    }
  } catch (err) {
    for (const s of opened) s.close();
    throw err;
  }
  return opened;
}

/**
 * Polls the workers until every member has at least `expected` messages (and `done()` allows
 * stopping), or nothing moved for `stallMs`: neither messages nor newly opened members. Counts are
 * per connection since it opened or since the last mark.
 */
export async function waitForMessages(loadgen: LoadGenerator, expected: number, stallMs: number, done: () => boolean = () => true): Promise<CollectResult> {
  let last = -1;
  let lastMoved = Date.now();
  for (;;) {
    const s = await loadgen.collect(expected, false);
    if (done() && s.members > 0 && s.membersExact + s.membersOver === s.members) return s;
    const progress = s.memberMessages + s.members;
    if (progress !== last) {
      last = progress;
      lastMoved = Date.now();
    } else if (Date.now() - lastMoved > stallMs) return s;
    await sleep(100);
  }
}

/** Ends a round whatever happened: senders and receivers closed, workers stopped, the target stopped. */
export async function endRound(senders: RawWsClient[], loadgen: LoadGenerator, session: TargetSession, log: (line: string) => void): Promise<void> {
  for (const s of senders) s.close();
  await loadgen.closeAll().catch((err: unknown) => log(`  closing connections failed: ${String(err)}`));
  await loadgen.stop();
  await session.stop();
}
