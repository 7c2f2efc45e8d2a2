import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@parley/config';
import { createLogger } from '@parley/observability';
import { StandaloneModule } from './standalone.module';

/** `npm start`: every Parley service in this one process, data under PARLEY_DATA_DIR. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('parley', config.logLevel);
  const app = await NestFactory.createApplicationContext(StandaloneModule.forRoot(config, process.env.PARLEY_WEB_DIR ?? StandaloneModule.defaultWebDir()), {
    logger: ['error', 'warn'],
  });
  await app.init();
  logger.info('parley standalone ready', { url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/`, data_dir: config.dataDir });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
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

main().catch((err: unknown) => {
  process.stderr.write(`parley failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
