import { DashboardSpec, q, quantiles, rate, SEL } from './panels';

/**
 * Parley's Grafana dashboards, as code: one per service plus the SLO overview (docs/slo.md).
 * `npm run dashboards` writes them to charts/parley/files/dashboards/; a unit test fails when the
 * committed JSON is not what this code generates.
 */
const runtime = (service: string): DashboardSpec['rows'][number] => ({
  title: 'Process',
  panels: [
    { title: 'CPU', description: 'CPU seconds per second, per pod', unit: 'short', targets: [q(`sum by (pod) (rate(process_cpu_seconds_total{${SEL}, service=~"${service}|"}[$__rate_interval]))`, '{{pod}}')] },
    { title: 'Event loop lag p99', description: 'Node.js event loop delay (p99)', unit: 's', targets: [q(`max by (pod) (nodejs_eventloop_lag_p99_seconds{${SEL}, service=~"${service}|"})`, '{{pod}}')] },
    { title: 'Resident memory', description: 'RSS per pod', unit: 'bytes', targets: [q(`max by (pod) (process_resident_memory_bytes{${SEL}, service=~"${service}|"})`, '{{pod}}')] },
  ],
});

const consumer = (group: string): DashboardSpec['rows'][number] => ({
  title: `Consumer group ${group}`,
  panels: [
    { title: 'Consumer lag', description: 'records not yet handled, per partition', unit: 'short', targets: [q(`max by (topic, partition) (parley_event_log_consumer_lag_records{${SEL}, group="${group}"})`, '{{topic}}/{{partition}}')] },
    { title: 'Batch size', description: 'records per handled batch (p50, p99)', unit: 'short', targets: quantiles(`parley_event_log_batch_records`, 'group').map((t) => ({ ...t, expr: t.expr.replace(`{${SEL}}`, `{${SEL}, group="${group}"}`) })) },
  ],
});

const appends: DashboardSpec['rows'][number] = {
  title: 'Event log appends',
  panels: [
    { title: 'Append latency', description: 'until durable (Kafka acks / embedded log write), by topic', unit: 's', targets: quantiles('parley_event_log_append_duration_seconds', 'topic') },
    { title: 'Append failures', description: 'failed appends per second, by topic', unit: 'ops', targets: [rate('parley_event_log_append_failures_total', 'topic')] },
  ],
};

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'parley-slo',
    title: 'Parley / SLO overview',
    description: 'The SLOs of docs/slo.md: their error ratios against the budget, and the burn rates the alerts read.',
    rows: [
      {
        title: 'Service level indicators',
        panels: [
          { title: 'Sends persisted within 250 ms', description: 'SLO 99.9% (30 days)', unit: 'percentunit', targets: [q('1 - parley:slo_send_persisted_errors:ratio_rate1h', '1h'), q('1 - parley:slo_send_persisted_errors:ratio_rate1d', '1d')] },
          { title: 'Deliveries within 1 s of persistence', description: 'SLO 99% (30 days)', unit: 'percentunit', targets: [q('1 - parley:slo_delivery_errors:ratio_rate1h', '1h'), q('1 - parley:slo_delivery_errors:ratio_rate1d', '1d')] },
          { title: 'Upgrades not refused as unavailable', description: 'SLO 99.9% (30 days)', unit: 'percentunit', targets: [q('1 - parley:slo_upgrade_errors:ratio_rate1h', '1h'), q('1 - parley:slo_upgrade_errors:ratio_rate1d', '1d')] },
          {
            title: 'Burn rate (1h)',
            description: 'error ratio / error budget: 14.4 pages (with the 5m window), 1 spends the budget in exactly 30 days',
            unit: 'short',
            targets: [
              q('parley:slo_send_persisted_errors:ratio_rate1h / 0.001', 'send persisted'),
              q('parley:slo_delivery_errors:ratio_rate1h / 0.01', 'delivery'),
              q('parley:slo_upgrade_errors:ratio_rate1h / 0.001', 'upgrade'),
            ],
          },
        ],
      },
    ],
  },
  {
    uid: 'parley-gateway',
    title: 'Parley / Gateway',
    description: 'The public edge: REST, WebSocket connections, the send path and fan-out delay.',
    rows: [
      {
        title: 'Message path',
        panels: [
          { title: 'Send → received ack', description: 'durable in the ingress log', unit: 's', targets: quantiles('parley_gateway_send_received_seconds') },
          { title: 'Send → persisted ack', description: 'sequenced and stored, by transport', unit: 's', targets: quantiles('parley_gateway_send_persisted_seconds', 'transport') },
          { title: 'Persisted → published (fan-out delay)', description: 'message created_at to the publish on this gateway', unit: 's', targets: quantiles('parley_gateway_fanout_delay_seconds') },
          { title: 'Frames in', description: 'client frames per second by type', unit: 'ops', targets: [rate('parley_gateway_frames_in_total', 'type')] },
        ],
      },
      {
        title: 'REST',
        panels: [
          { title: 'Latency by route (p99)', description: 'route templates, never paths', unit: 's', targets: [q(`histogram_quantile(0.99, sum by (le, route) (rate(parley_gateway_http_request_duration_seconds_bucket{${SEL}}[$__rate_interval])))`, '{{route}}')] },
          { title: 'Requests by status', description: 'per second', unit: 'reqps', targets: [rate('parley_gateway_http_request_duration_seconds_count', 'status')] },
        ],
      },
      {
        title: 'Connections',
        panels: [
          { title: 'Open WebSocket connections', description: 'per gateway pod', unit: 'short', targets: [q(`sum by (pod) (parley_gateway_connections_open{${SEL}})`, '{{pod}}')] },
          { title: 'Upgrades by outcome', description: 'per second', unit: 'ops', targets: [rate('parley_gateway_ws_upgrades_total', 'outcome')] },
          { title: 'Closes by code', description: 'per second (1000/1001 normal, 4401 auth, 4408 slow consumer, 4429 rate limit)', unit: 'ops', targets: [rate('parley_gateway_ws_closes_total', 'code')] },
          { title: 'Auth failures at the edge', description: 'per second, by reason', unit: 'ops', targets: [rate('parley_gateway_auth_failures_total', 'reason')] },
        ],
      },
      appends,
      runtime('gateway'),
    ],
  },
  {
    uid: 'parley-messaging',
    title: 'Parley / Messaging',
    description: 'The sequencer (ingress consumer) and the message store.',
    rows: [
      {
        title: 'Sequencer',
        panels: [
          { title: 'Store write latency', description: 'message store inserts by the sequencer', unit: 's', targets: quantiles('parley_messaging_store_write_duration_seconds') },
          { title: 'Store reads by op', description: 'per second', unit: 'ops', targets: [rate('parley_messaging_store_reads_total', 'op')] },
          { title: 'Malformed ingress records', description: 'per second (skipped, counted)', unit: 'ops', targets: [q(`sum(rate(parley_messaging_malformed_ingress_total{${SEL}}[$__rate_interval]))`, 'malformed')] },
          { title: 'Sends per claim', description: 'sends of one conversation claimed and stored together (p50, p99)', unit: 'short', targets: quantiles('parley_messaging_sequencer_batch_sends') },
        ],
      },
      consumer('parley-messaging-sequencer'),
      appends,
      runtime('messaging'),
    ],
  },
  {
    uid: 'parley-fanout',
    title: 'Parley / Fanout',
    description: 'Conversation events to the gateways.',
    rows: [
      {
        title: 'Fan-out',
        panels: [
          { title: 'Events fanned out', description: 'per second', unit: 'ops', targets: [q(`sum(rate(parley_fanout_events_total{${SEL}}[$__rate_interval]))`, 'events')] },
          { title: 'Copies to gateways', description: 'one per gateway per batch; failures by gateway', unit: 'ops', targets: [q(`sum(rate(parley_fanout_gateway_sends_total{${SEL}}[$__rate_interval]))`, 'sent'), rate('parley_fanout_gateway_failures_total', 'gateway', 'failed {{gateway}}')] },
        ],
      },
      consumer('parley-fanout'),
      runtime('fanout'),
    ],
  },
  {
    uid: 'parley-auth',
    title: 'Parley / Auth',
    description: 'Registrations, logins, refreshes and logouts by outcome.',
    rows: [
      { title: 'Operations', panels: [{ title: 'Outcomes', description: 'per second, by operation and outcome (ok or the error code)', unit: 'ops', targets: [q(`sum by (op, outcome) (rate(parley_auth_operations_total{${SEL}}[$__rate_interval]))`, '{{op}} {{outcome}}')] }] },
      runtime('auth'),
    ],
  },
  {
    uid: 'parley-presence',
    title: 'Parley / Presence',
    description: 'Connections reported by gateways and users going online or offline.',
    rows: [
      {
        title: 'Presence',
        panels: [
          { title: 'Connection events', description: 'per second', unit: 'ops', targets: [rate('parley_presence_connection_events_total', 'event')] },
          { title: 'Transitions', description: 'online/offline per second, by cause', unit: 'ops', targets: [q(`sum by (status, cause) (rate(parley_presence_transitions_total{${SEL}}[$__rate_interval]))`, '{{status}} ({{cause}})')] },
        ],
      },
      runtime('presence'),
    ],
  },
  {
    uid: 'parley-notification',
    title: 'Parley / Notification',
    description: 'Pushes to offline members: outcomes, outbox, latency.',
    rows: [
      {
        title: 'Notifications',
        panels: [
          { title: 'Pushes by outcome', description: 'pushes handed to a provider per second, by provider and outcome', unit: 'ops', targets: [q(`sum by (provider, outcome) (rate(parley_push_sent_total{${SEL}}[$__rate_interval]))`, '{{provider}} {{outcome}}')] },
          { title: 'Outbox depth', description: '(user, conversation) rows with a push due or waiting', unit: 'short', targets: [q(`sum(parley_push_outbox_depth{${SEL}})`, 'rows')] },
          { title: 'Persisted to accepted, p99', description: 'from the message being stored to the provider accepting its push', unit: 's', targets: [q(`histogram_quantile(0.99, sum by (le) (rate(parley_push_persisted_to_accepted_seconds_bucket{${SEL}}[$__rate_interval])))`, 'p99')] },
          { title: 'Pushes dropped', description: 'not queued or given up, by reason', unit: 'ops', targets: [q(`sum by (reason) (rate(parley_push_dropped_total{${SEL}}[$__rate_interval]))`, '{{reason}}')] },
        ],
      },
      consumer('parley-notification'),
      runtime('notification'),
    ],
  },
];
