import { classifyError, errorReason, isOutage } from '../../lib/kernel/redis-error-classifier.js';
import { CacheError } from '@datapunk/nestjs-cache';

/** An error as ioredis makes a server's error reply. */
function reply(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('the Redis error classifier (pure)', () => {
  it.each([
    [reply('OOM command not allowed when used memory > maxmemory'), 'oom', false],
    [reply("READONLY You can't write against a read only replica."), 'readonly', false],
    [reply('LOADING Redis is loading the dataset in memory'), 'loading', true],
    [reply('CLUSTERDOWN The cluster is down'), 'cluster', true],
    [reply('TRYAGAIN Multiple keys request during rehashing of slot'), 'cluster', true],
    [reply('WRONGTYPE Operation against a key holding the wrong kind of value'), 'other', false],
    [new Error('Command timed out'), 'timeout', true],
    [new Error('connect ECONNREFUSED 127.0.0.1:6399'), 'connection', true],
    [new Error('Connection is closed.'), 'connection', true],
    [new TypeError('Do not know how to serialize a BigInt'), 'serialization', false],
    ['a thrown string', 'other', true],
  ] as const)('%s: %s (outage: %s)', (error, reason, outage) => {
    expect(classifyError(error)).toEqual({ reason, outage });
    expect(errorReason(error)).toBe(reason);
    expect(isOutage(error)).toBe(outage);
  });

  it('judges a CacheError by its cause, and names the open circuit', () => {
    const open = new Error('circuit open');
    open.name = 'CircuitOpenError';
    expect(classifyError(open)).toEqual({ reason: 'circuit_open', outage: true });
    const wrapped = CacheError.wrap('get', 'k', reply('OOM command not allowed'));
    expect(errorReason(wrapped)).toBe('oom');
    expect(wrapped.reason).toBe('oom');
  });
});
