import 'reflect-metadata';
import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@parley/observability';

/**
 * Runs one Parley process: boots its Nest module, logs readiness, and on SIGTERM/SIGINT closes it
 * (consumers finish their batch, sockets close with 1001, stores close) within a bounded time.
 */
export async function runProcess(name: string, module: DynamicModule, logger: Logger, onReady?: (app: INestApplicationContext) => Promise<void>): Promise<void> {
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'], abortOnError: false });
    await app.init();
    if (onReady) await onReady(app);
  } catch (err) {
    process.stderr.write(`parley ${name} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
  logger.info(`${name} ready`, { pid: process.pid });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${name} stopping`, { signal });
    setTimeout(() => process.exit(1), 15_000).unref();
    app.close().then(
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
