import { Counter, Gauge, Histogram } from 'prom-client';
import { Metrics } from '@parley/observability';

/** The notification service's instruments (parley_push_*). */
export class PushMetrics {
  readonly sent: Counter<string>;
  readonly dropped: Counter<string>;
  readonly depth: Gauge<string>;
  readonly persistedToAccepted: Histogram<string>;

  constructor(metrics: Metrics) {
    this.sent = metrics.counter('parley_push_sent_total', 'pushes handed to a provider, by provider, kind and outcome (accepted, dead_token, retry, failed, breaker_open)', ['provider', 'kind', 'outcome']);
    this.dropped = metrics.counter('parley_push_dropped_total', 'pushes not queued or given up, by reason (outbox_full, attempts_exhausted, no_provider)', ['reason']);
    this.depth = metrics.gauge('parley_push_outbox_depth', '(user, conversation) rows with a push due or waiting');
    this.persistedToAccepted = metrics.histogram(
      'parley_push_persisted_to_accepted_seconds',
      'from the oldest message a push carries being persisted to the provider accepting it (includes the coalescing window)',
      [0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 3, 5, 10, 30, 60, 300],
      ['provider'],
    );
  }
}
