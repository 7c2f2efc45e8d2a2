import { ReadinessWorkerReport } from './readiness-ipc';
import { mergeReports } from './readiness-report';

const part = (over: Partial<ReadinessWorkerReport>): ReadinessWorkerReport => ({
  sent: 0,
  persisted: 0,
  errors: 0,
  heldBack: 0,
  unanswered: 0,
  persistedAckMs: [],
  fastDeliveryMs: [],
  fastDeliveries: 0,
  clients: 0,
  slowClients: 0,
  slowClosesByCode: {},
  fastClosesByCode: {},
  slowClosedClients: 0,
  slowResumed: 0,
  slowResumedNoGap: 0,
  reconnectFailures: 0,
  completeClients: 0,
  clientsWithGaps: 0,
  gapExamples: [],
  outOfOrder: 0,
  ...over,
});

describe('merging the readiness workers reports', () => {
  it('sums counts, merges close codes and pools latencies', () => {
    const m = mergeReports(
      [
        part({ sent: 10, persisted: 9, persistedAckMs: [1, 2, 3], slowClients: 5, slowClosedClients: 2, slowResumed: 2, slowResumedNoGap: 2, slowClosesByCode: { '4408': 1, '1006': 1 }, completeClients: 50 }),
        part({ sent: 20, persisted: 20, persistedAckMs: [4, 100], slowClients: 5, slowClosedClients: 1, slowResumed: 1, slowResumedNoGap: 0, slowClosesByCode: { '4408': 1 }, clientsWithGaps: 1, gapExamples: ['user 7'] }),
      ],
      10,
    );
    expect(m.sends).toMatchObject({ sent: 30, persisted: 29, persistedPerSecond: 2.9 });
    expect(m.persistedAckMs).toMatchObject({ count: 5, p50: 3, max: 100 });
    expect(m.slow).toMatchObject({ clients: 10, closedClients: 3, resumed: 3, resumedNoGap: 2, closesByCode: { '4408': 2, '1006': 1 } });
    expect(m.delivery).toMatchObject({ completeClients: 50, clientsWithGaps: 1, gapExamples: ['user 7'] });
  });
});
