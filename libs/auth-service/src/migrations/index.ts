import { Migration } from '@parley/ports';
import { authInit } from './001-init.migration';
import { authOneTimeCodes } from './002-one-time-codes.migration';

/** The auth schema; the composition root applies it with `runMigrations` before the module starts. */
export const authMigrations: Migration[] = [authInit, authOneTimeCodes];
