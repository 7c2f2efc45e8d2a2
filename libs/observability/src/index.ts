export * from './logger';
export * from './metrics';
export * from './trace-context';
export * from './spans';
export * from './tracing';
export * from './context-mode';
