import { MemoryStore } from '../../lib/stores/memory.store.js';
import { describeStoreContract } from '../../lib/testing/describe-store-contract.js';

const store = new MemoryStore(10_000);
afterAll(() => store.close());

describeStoreContract('MemoryStore', () => store, { describe, it });
