export * from './notification.module';
export * from './push-events.consumer';
export * from './notification.migrations';
export * from './settings/push-settings.service';
export * from './delivery/push-dispatcher';
export * from './delivery/circuit-breaker';
export * from './storage/push-outbox.repository';
export * from './delivery/push-metrics';
