export * from './run-process';
export * from './mesh-infra.module';
export * from './rpc-clients.module';
export * from './delegate';
export * from './admin-server';
export * from './traced-event-log';
