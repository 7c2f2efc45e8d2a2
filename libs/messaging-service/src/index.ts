export * from './messaging.module';
export * from './conversation.service';
export * from './sequencer/conversation-sequencer';
export * from './storage/messaging.migrations';
export * from './storage/conversation.repository';
export * from './storage/send-claims.repository';
export * from './storage/store-reads';
