import type { CacheStore } from '../stores/cache-store.interface.js';
import { STORE_CONTRACT_CASES, type OptionalStorePart } from './store-contract-cases.js';

const ALL_OPTIONAL_PARTS: readonly OptionalStorePart[] = ['setIfUnchanged', 'deleteCreatedBefore', 'deletePrefixOptions'];

/**
 * Your test runner's `describe` and `it`: Jest's (globals or `@jest/globals`), Vitest's, or `node:test`'s. The cases
 * assert with `node:assert`, so they need nothing else from the runner.
 */
export interface StoreContractRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
}

export interface StoreContractSetup extends StoreContractRunner {
  /**
   * The optional parts of CacheStore the store implements; each is tested when listed. A part that is listed but
   * missing fails its case with a message that names it.
   * @default ['setIfUnchanged', 'deleteCreatedBefore', 'deletePrefixOptions'] (all of them)
   */
  optional?: readonly OptionalStorePart[];
}

/**
 * Registers the behaviour every CacheStore must have (the suite this package runs against its memory store, Redis and
 * Redis Cluster) as one `describe` block of `it` cases, for a store of your own (the `store` option).
 *
 * `store` is called inside each case, so the store can be created in a `beforeAll`. Cases write keys under a random
 * `store-contract:` prefix, wait up to 300 ms for TTLs, and leave what they wrote to expire (60 s at most).
 *
 * @example
 * // my-store.contract.spec.ts. Jest: describe/it are globals (or from '@jest/globals'); Vitest: from 'vitest'.
 * import { describeStoreContract } from '@datapunk/nestjs-cache/testing';
 * import { MyStore } from './my-store';
 *
 * let store: MyStore;
 * beforeAll(async () => {
 *   store = new MyStore(process.env.MY_BACKEND_URL);
 *   await store.connect();
 * });
 * afterAll(() => store.close());
 *
 * // MyStore has no setIfUnchanged / deleteCreatedBefore and ignores deletePrefix's options: declare none.
 * describeStoreContract('MyStore', () => store, { describe, it, optional: [] });
 */
export function describeStoreContract(name: string, store: () => CacheStore, setup: StoreContractSetup): void {
  const parts = new Set(setup.optional ?? ALL_OPTIONAL_PARTS);
  setup.describe(`${name}: the CacheStore contract`, () => {
    for (const contractCase of STORE_CONTRACT_CASES) {
      if (contractCase.part && !parts.has(contractCase.part)) continue;
      setup.it(contractCase.name, () => contractCase.run(store()));
    }
  });
}
