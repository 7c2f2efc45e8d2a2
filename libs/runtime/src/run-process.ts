import 'reflect-metadata';
import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CONFIG, ParleyConfig } from '@parley/config';
import { Logger, Metrics, METRICS, shutdownTracing } from '@parley/observability';
import { ADMIN_ROUTES, AdminRoute, READINESS_CHECKS, ReadinessCheck } from '@parley/ports';
import { AdminServer, startAdminServer } from './admin-server';

export interface RunProcessOptions {
  /**
   * Runs first on SIGTERM/SIGINT, before anything closes (the gateway's drain: not ready, sockets
   * closed over the drain window while fanout still reaches it). The exit deadline grows by drainMs.
   */
  drain?: { run(app: INestApplicationContext): Promise<void>; drainMs: number };
}

/**
 * Runs one Parley process: boots its Nest module, opens its admin port (PARLEY_ADMIN_PORT: /metrics
 * is served there only), logs readiness, and on SIGTERM/SIGINT drains (options.drain), then closes
 * it (the rpc server finishes its calls, consumers finish their batch, commit and leave their group,
 * stores close, buffered spans are flushed) within a bounded time.
 */
export async function runProcess(
  name: string,
  module: DynamicModule,
  logger: Logger,
  /** Starts what lives outside Nest (a gRPC server); returns how to stop it, first, on shutdown. */
  onReady?: (app: INestApplicationContext) => Promise<(() => Promise<void>) | void>,
  options: RunProcessOptions = {},
): Promise<void> {
  let app: INestApplicationContext;
  let stopExtra: (() => Promise<void>) | void = undefined;
  let admin: AdminServer | null = null;
  try {
    app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'], abortOnError: false });
    await app.init();
    if (onReady) stopExtra = await onReady(app);
    admin = await openAdminPort(app, logger);
  } catch (err) {
    process.stderr.write(`parley ${name} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
  logger.info(`${name} ready`, { pid: process.pid, ...(admin ? { admin: admin.address } : {}) });
  // A supervisor (apps/mesh) that started us over IPC learns readiness here, whatever the log level.
  process.send?.({ type: 'ready', name, pid: process.pid, admin: admin?.address ?? null });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${name} stopping`, { signal });
    setTimeout(() => process.exit(1), 15_000 + (options.drain?.drainMs ?? 0)).unref();
    Promise.resolve(options.drain?.run(app))
      .catch((err: unknown) => logger.warn('drain failed', { err }))
      .then(() => stopExtra?.())
      .catch((err: unknown) => logger.warn('stopping the rpc server failed', { err }))
      .then(() => admin?.close())
      .then(() => app.close())
      .then(() => shutdownTracing())
      .then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Starts the admin server on the configured port, with the registry and checks the process was built with. */
async function openAdminPort(app: INestApplicationContext, logger: Logger): Promise<AdminServer | null> {
  const config = app.get<ParleyConfig>(CONFIG, { strict: false });
  if (config.admin.port === 0) return null;
  return startAdminServer({
    host: config.admin.host,
    port: config.admin.port,
    metrics: app.get<Metrics>(METRICS, { strict: false }),
    readiness: app.get<ReadinessCheck[]>(READINESS_CHECKS, { strict: false }),
    logger: logger.child({ component: 'admin' }),
    routes: optional<AdminRoute[]>(app, ADMIN_ROUTES) ?? [],
  });
}

/** A provider the process may not have (e.g. ADMIN_ROUTES: only the messaging service has some). */
function optional<T>(app: INestApplicationContext, token: symbol): T | null {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return null;
  }
}
