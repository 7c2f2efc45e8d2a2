import 'reflect-metadata';
import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@parley/observability';

/**
 * Runs one Parley process: boots its Nest module, logs readiness, and on SIGTERM/SIGINT closes it
 * (consumers finish their batch, sockets close with 1001, stores close) within a bounded time.
 */
export async function runProcess(
  name: string,
  module: DynamicModule,
  logger: Logger,
  /** Starts what lives outside Nest (a gRPC server); returns how to stop it, first, on shutdown. */
  onReady?: (app: INestApplicationContext) => Promise<(() => Promise<void>) | void>,
): Promise<void> {
  let app: INestApplicationContext;
  let stopExtra: (() => Promise<void>) | void = undefined;
  try {
    app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'], abortOnError: false });
    await app.init();
    if (onReady) stopExtra = await onReady(app);
  } catch (err) {
    process.stderr.write(`parley ${name} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
  logger.info(`${name} ready`, { pid: process.pid });
  // A supervisor (apps/mesh) that started us over IPC learns readiness here, whatever the log level.
  process.send?.({ type: 'ready', name, pid: process.pid });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${name} stopping`, { signal });
    setTimeout(() => process.exit(1), 15_000).unref();
    Promise.resolve(stopExtra?.())
      .catch((err: unknown) => logger.warn('stopping the rpc server failed', { err }))
      .then(() => app.close())
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
