import { SourceAddresses } from '../loadgen/source-addresses';
import { RawWsClient } from '../loadgen/ws-client';
import { TargetSession } from '../targets/target';

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
