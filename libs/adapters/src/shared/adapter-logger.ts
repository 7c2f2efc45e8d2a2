import { Logger, createLogger } from '@parley/observability';

/**
 * Where an adapter reports what happens outside any caller's request (a dropped idle connection,
 * a consumer crash, a driver warning). Services inject their own logger; the default writes JSON
 * lines on stderr at warn and above.
 */
export function defaultAdapterLogger(adapter: string): Logger {
  return createLogger('adapters', 'warn', { adapter }, (line) => process.stderr.write(line));
}
