import type { CacheModuleOptions } from '@datapunk/nestjs-cache';
import { bootCache } from '../support/cache-app.js';

describe('invalidationQueue options', () => {
  it.each([
    [{ maxKeys: 0 }, /option "invalidationQueue.maxKeys" must be a positive integer, got 0/],
    [{ maxBytes: 1.5 }, /option "invalidationQueue.maxBytes" must be a positive integer, got 1.5/],
    [{ maxBytes: '16mb' }, /option "invalidationQueue.maxBytes" must be a positive integer, got "16mb"/],
    [{ maxEntries: -1 }, /option "invalidationQueue.maxEntries" must be a positive integer, got -1/],
    [7, /option "invalidationQueue" must be \{ maxEntries\?, maxKeys\?, maxBytes\?, maxAge\? \}, got 7/],
  ])('refuses %j at boot, naming the option', async (invalidationQueue, message) => {
    await expect(bootCache({ namespace: 'opts', invalidationQueue } as unknown as CacheModuleOptions)).rejects.toThrow(message);
  });
});
