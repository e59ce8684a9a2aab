import { describeStoreContract } from '@datapunk/nestjs-cache/testing';
import { MapStore } from './map.store';

// The package's store contract, run against the app's own store. MapStore implements none of the optional parts
// (setIfUnchanged, deleteCreatedBefore, deletePrefix's options), so none is checked.
const store = new MapStore();
afterAll(() => store.close());

describeStoreContract('MapStore', () => store, { describe, it, optional: [] });
