export * from './gateway.module';
export * from './gateway.options';
export * from './gateway.server';
export * from './delivery/local-delivery';
