export * from './run-process';
export * from './mesh-infra.module';
export * from './rpc-clients.module';
export * from './delegate';
export * from './admin-server';
export * from './push-providers';
export * from './setup';
export * from './traced-event-log';
