import { APP_UID } from './rootfs';

/**
 * The runtime config of Parley's image, shared by `npm run image` (main.ts) and checked against the
 * Dockerfile's final stage by config.spec.ts, so the two ways to build it give the same container.
 */
export const IMAGE_CONFIG = {
  user: `${APP_UID}:${APP_UID}`,
  env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'PARLEY_DATA_DIR=/data', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
  workingDir: '/app',
  cmd: ['node', 'dist/apps/standalone/src/main.js'],
  exposedPorts: [8080],
};
