import { describeCallStoreContract, uniqueName } from '../../../ports/src/contract';
import { integrationEnv, requireServer } from '../testing/integration-env';
import { recordingLogger } from '../testing/recording-logger';
import { RedisCallStore } from './redis-call-store.adapter';

const url = integrationEnv.redisUrl;

describeCallStoreContract('redis', async () => {
  await requireServer('redis', url);
  // Keys expire on their own (the longest TTL here is a minute).
  const store = await RedisCallStore.open({ url, keyPrefix: `${uniqueName('parley-it')}:calls:`, logger: recordingLogger() });
  return { store, cleanup: () => store.close() };
});
