export * from './config';
export * from './tls';
