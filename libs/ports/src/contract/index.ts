/**
 * Shared contract suites, one per port: each runs the same assertions against any adapter, the
 * embedded ones in unit specs and the real ones in *.int.spec.ts. They use Jest's globals, so
 * only spec files import them (not exported from the package index).
 */
export * from './event-log.contract';
export * from './message-store.contract';
export * from './presence-store.contract';
export * from './route-table.contract';
export * from './sql-db.contract';
export { sleep, uniqueName, waitFor } from './support';
export * from './call-store.contract';
export * from './relational-db.contract';
export * from './shared-buckets.contract';
