export * from './notification.module';
export * from './message-created.consumer';
export * from './notification.migrations';
