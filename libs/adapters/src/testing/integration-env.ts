import { Socket, createServer } from 'node:net';

/**
 * Connection settings of the integration specs: the variables `infra/bin/parley-infra env`
 * prints, with the same defaults, so a plain `parley-infra start` is enough.
 */
export const integrationEnv = {
  kafkaBrokers: list(process.env.PARLEY_KAFKA_BROKERS, '127.0.0.1:9092'),
  cassandraContactPoints: list(process.env.PARLEY_CASSANDRA_CONTACT_POINTS, '127.0.0.1:9042'),
  cassandraDc: process.env.PARLEY_CASSANDRA_DC || 'datacenter1',
  postgresUrl: process.env.PARLEY_POSTGRES_URL || 'postgres://parley:parley@127.0.0.1:55432/parley',
  redisUrl: process.env.PARLEY_REDIS_URL || 'redis://127.0.0.1:56379',
  /** The S3 server (`parley-infra start s3`); its credentials are made at provision, so they come from `parley-infra env`. */
  s3Endpoint: process.env.PARLEY_S3_ENDPOINT || 'http://127.0.0.1:18333',
  s3AccessKeyId: process.env.PARLEY_S3_ACCESS_KEY_ID ?? '',
  s3SecretAccessKey: process.env.PARLEY_S3_SECRET_ACCESS_KEY ?? '',
};

export type InfraTarget = 'kafka' | 'cassandra' | 'postgres' | 'redis' | 's3';

/**
 * Fails, with the command that fixes it, when nothing accepts connections at `address`
 * (host:port). Integration specs call it first, so a missing server fails the run loudly instead
 * of skipping tests or hanging in a driver's retries.
 */
export async function requireServer(target: InfraTarget, address: string): Promise<void> {
  const { host, port } = hostPort(address);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
  if (!reachable) {
    throw new Error(
      `${target} is not reachable at ${host}:${port}. Start it with \`infra/bin/parley-infra start ${target}\` ` +
        '(and `eval "$(infra/bin/parley-infra env)"` if it does not run on the default ports).',
    );
  }
}

/** host:port of a URL (postgres://, redis://) or of a plain host:port. */
export function hostPort(address: string): { host: string; port: number } {
  const url = /^[a-z]+:\/\//.test(address) ? new URL(address) : new URL(`tcp://${address}`);
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1) throw new Error(`no port in ${address}`);
  return { host: url.hostname, port };
}

/**
 * A local TCP port where nothing listens: bound, then closed again, so connecting to it is
 * refused. Specs point an adapter at it to see how a down server is reported.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

function list(value: string | undefined, fallback: string): string[] {
  return (value || fallback)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
