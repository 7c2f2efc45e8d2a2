import { Metrics } from '@parley/observability';

/**
 * What a message-store read was for, one label value per kind of query the messaging service sends:
 * - `history`: a page back in time (latest messages, or before a seq): REST history, the page's scroll-back;
 * - `sync`: messages after a seq for a member (WebSocket `sync`, REST `?after_seq`): catching up;
 * - `gap_fill`: messages after a seq for a gateway filling a hole in its live feed (backfill);
 * - `dedupe`: the stored original of a repeated client_msg_id, looked up by the sequencer.
 */
export const STORE_READ_OPS = ['history', 'sync', 'gap_fill', 'dedupe'] as const;
export type StoreReadOp = (typeof STORE_READ_OPS)[number];

export const STORE_READS_METRIC = 'parley_messaging_store_reads_total';

/** Counts queries sent to the message store: one count per query, made where the query is made. */
export interface StoreReads {
  count(op: StoreReadOp): void;
}

/** For callers that do not report metrics (tests). */
export const UNCOUNTED_STORE_READS: StoreReads = { count: () => undefined };

/**
 * The Prometheus counter behind StoreReads, on the process's registry. Every op starts at 0 so a
 * scrape taken before the first read already shows the series (a benchmark can diff two scrapes).
 */
export function countStoreReads(metrics: Metrics): StoreReads {
  const counter = metrics.counter(STORE_READS_METRIC, 'queries the messaging service sent to the message store, by what they were for', ['op']);
  for (const op of STORE_READ_OPS) counter.inc({ op }, 0);
  return { count: (op) => counter.inc({ op }) };
}
