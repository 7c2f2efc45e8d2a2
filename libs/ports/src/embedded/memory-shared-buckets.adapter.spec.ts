import { describeSharedBucketsContract } from '../contract';
import { MemorySharedBuckets } from './memory-shared-buckets.adapter';

describeSharedBucketsContract('memory', async () => {
  const buckets = new MemorySharedBuckets();
  return { buckets, cleanup: () => buckets.close() };
});
