export * from './fanout.module';
export * from './conversation-events.consumer';
