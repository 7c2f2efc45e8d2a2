export { AuthModule } from './auth.module';
export { checkAuthOptions } from './auth.options';
export type { AuthOptions, PasswordHashCost } from './auth.options';
export { AuthService } from './auth.service';
export { authMigrations } from './migrations';
export { UserDirectory } from './users/user-directory';
