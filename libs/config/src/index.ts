export * from './config';
export * from './otp-config';
