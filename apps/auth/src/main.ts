import './tracing';
import { Module } from '@nestjs/common';
import { AuthModule, authMigrations } from '@parley/auth-service';
import { loadConfig } from '@parley/config';
import { createLogger, Logger, LOGGER } from '@parley/observability';
import { AUTH_API, AuthApi, USER_DIRECTORY, UserDirectory } from '@parley/ports';
import { serveAuth, startGrpcServer } from '@parley/rpc';
import { CodeSendersModule, delegateTo, MeshInfraModule, runProcess } from '@parley/runtime';

/** The auth process: users, sessions, refresh tokens, signing keys (Postgres); serves gRPC `Auth`. */
const config = loadConfig();

@Module({ imports: [MeshInfraModule.forRoot(config, 'auth', { sql: { migrations: authMigrations }, log: true }), CodeSendersModule.forRoot(config.otp), AuthModule.register(config.auth)] })
class AuthProcessModule {}

void runProcess('auth', { module: AuthProcessModule }, createLogger('parley-auth', config.logLevel), async (app) => {
  const impl = delegateTo<AuthApi & UserDirectory>(app.get<AuthApi>(AUTH_API), app.get<UserDirectory>(USER_DIRECTORY));
  const grpc = await startGrpcServer(config.grpc.auth, (server) => serveAuth(server, impl, { logger: app.get<Logger>(LOGGER) }), config.grpc.tls ? { tls: config.grpc.tls } : {});
  return () => grpc.close();
});
