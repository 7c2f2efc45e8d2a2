import Redis from 'ioredis';
import { uniqueName } from '../../../ports/src/contract';
import { openRedis } from '../redis/redis-connection';
import { integrationEnv, requireServer } from './integration-env';
import { recordingLogger } from './recording-logger';

/**
 * One integration run against the shared Redis: a key prefix of its own, a way to open plain
 * clients, and an afterAll that deletes every key the run wrote under that prefix.
 */
export function redisTestRun() {
  const url = integrationEnv.redisUrl;
  const runPrefix = `${uniqueName('parley-it')}:`;
  const openClient = async (): Promise<Redis> => {
    await requireServer('redis', url);
    return openRedis({ url, logger: recordingLogger() });
  };
  afterAll(async () => {
    const redis = await openClient();
    try {
      const stream = redis.scanStream({ match: `${runPrefix}*`, count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
  return { url, runPrefix, openClient };
}

/** A clock the test moves by hand. */
export function fakeClock() {
  let now = Date.now();
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}
