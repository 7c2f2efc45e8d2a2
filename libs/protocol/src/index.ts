export * from './result';
export * from './dto';
export * from './frames';
export * from './constants';
export { charLength, isCleanText } from './fields';
export * from './client-frame.parser';
export * from './server-frame.parser';
export * from './rest-body.validators';
export * from './query.parsers';
