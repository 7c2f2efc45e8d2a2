import { describeCallStoreContract } from '../contract';
import { MemoryCallStore } from './memory-call-store.adapter';

describeCallStoreContract('memory', async () => ({ store: new MemoryCallStore(), cleanup: async () => undefined }));
