import { describeSharedBucketsContract } from '../../../ports/src/contract';
import { requireServer } from '../testing/integration-env';
import { redisTestRun } from '../testing/redis-test-run';
import { recordingLogger } from '../testing/recording-logger';
import { RedisSharedBuckets } from './redis-shared-buckets.adapter';

const { url, runPrefix } = redisTestRun();

describeSharedBucketsContract('redis', async () => {
  await requireServer('redis', url);
  const buckets = await RedisSharedBuckets.open({ url, keyPrefix: `${runPrefix}limits:`, logger: recordingLogger() });
  return { buckets, cleanup: () => buckets.close() };
});

describe('RedisSharedBuckets', () => {
  it('refuses keys and families it could not store safely', async () => {
    await requireServer('redis', url);
    const buckets = await RedisSharedBuckets.open({ url, keyPrefix: `${runPrefix}limits:`, logger: recordingLogger() });
    try {
      const family = { name: 'check', ratePerSecond: 1, burst: 1 };
      await expect(buckets.take(family, '')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(buckets.take(family, 'x'.repeat(513))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(buckets.take({ ...family, name: 'Bad Name' }, 'k')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(buckets.take({ ...family, ratePerSecond: 0 }, 'k')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    } finally {
      await buckets.close();
    }
  });
});
