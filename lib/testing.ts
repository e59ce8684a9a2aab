// @datapunk/nestjs-cache/testing: the store contract suite, to run against a store of your own.
export { describeStoreContract, type StoreContractRunner, type StoreContractSetup } from './testing/describe-store-contract.js';
export type { OptionalStorePart } from './testing/store-contract-cases.js';
