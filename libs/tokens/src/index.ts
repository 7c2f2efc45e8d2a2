export * from './token.constants';
export * from './signing-key';
export * from './token-issuer';
export * from './token-verifier';
export { KeySetError } from './verification-keys';
export type { KeySetSource } from './verification-keys';
