export * from './config';
export * from './otp-config';
export * from './tls';
