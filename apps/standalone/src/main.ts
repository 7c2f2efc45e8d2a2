import './tracing';
import { loadConfig } from '@parley/config';
import { GatewayServer } from '@parley/gateway-service';
import { createLogger } from '@parley/observability';
import { runProcess } from '@parley/runtime';
import { StandaloneModule } from './standalone.module';

/** `npm start`: every Parley service in this one process, data under PARLEY_DATA_DIR. */
const config = loadConfig();
const logger = createLogger('parley', config.logLevel);
void runProcess('standalone', StandaloneModule.forRoot(config, config.webDir || StandaloneModule.defaultWebDir()), logger, undefined, {
  drain: { run: (app) => app.get(GatewayServer, { strict: false }).drain(), drainMs: config.gateway.drainMs },
}).then(() =>
  logger.info('open the chat page', { url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}/`, data_dir: config.dataDir }),
);
