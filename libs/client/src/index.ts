export * from './errors';
export * from './typed-emitter';
export * from './backoff';
export * from './conversation-stream';
export * from './websocket-like';
export * from './parley-rest';
export * from './parley-client';
export * from './calls';
