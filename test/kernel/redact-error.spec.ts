import { inspect } from 'node:util';
import { ReplyError } from 'ioredis';
import { CacheError } from '../../lib/kernel/cache-error.js';
import { REDACTED, redactError, scrubSecrets } from '../../lib/kernel/redact-error.js';
import { classifyError } from '../../lib/kernel/redis-error-classifier.js';

const SECRET = 's3cret-Pa55';
const printed = (value: unknown): string => inspect(value, { depth: 10 });

/** An error shaped as ioredis rejects a command of the handshake (it sets `command` on the reply error). */
function handshakeError(): Error & { command: { name: string; args: string[] } } {
  const error = new ReplyError('WRONGPASS invalid username-password pair or user is disabled.') as Error & {
    command: { name: string; args: string[] };
  };
  error.command = { name: 'hello', args: ['3', 'AUTH', 'default', SECRET] };
  return error;
}

describe('redactError', () => {
  it('drops the handshake arguments but keeps the name, the message and the command name', () => {
    const original = handshakeError();
    expect(printed(original)).toContain(SECRET); // the leak this guards against

    const safe = redactError(original) as Error & { command: unknown };
    expect(printed(safe)).not.toContain(SECRET);
    expect(safe).toBeInstanceOf(Error);
    expect(safe.name).toBe('ReplyError');
    expect(safe.message).toBe(original.message);
    expect(String(safe)).toBe(`ReplyError: ${original.message}`);
    expect(safe.command).toEqual({ name: 'hello' });
    expect(safe.stack).toBe(`ReplyError: ${original.message}`); // no frames: the CacheError holding it has the caller's
    // The original may be shared (ioredis rejects every queued command with it): it is left as it was.
    expect(original.command.args).toEqual(['3', 'AUTH', 'default', SECRET]);
  });

  it('redacts the whole chain: cause, a Cluster error’s lastNodeError, an AggregateError’s errors', () => {
    const refused = Object.assign(new Error(`connect ECONNREFUSED redis://admin:${SECRET}@10.0.0.1:6379`), { code: 'ECONNREFUSED' });
    const slots = Object.assign(new Error('Failed to refresh slots cache.', { cause: refused }), { lastNodeError: handshakeError() });
    const all = new AggregateError([handshakeError(), refused], 'every node failed');
    const chain = new Error('outer', { cause: slots });
    const safeChain = redactError(chain) as Error & { cause: Error & { lastNodeError: Error; cause: Error & { code: string } } };

    expect(printed(safeChain)).not.toContain(SECRET);
    expect(safeChain.cause.message).toBe('Failed to refresh slots cache.');
    expect(safeChain.cause.lastNodeError.message).toMatch(/^WRONGPASS/);
    expect(safeChain.cause.cause).toMatchObject({
      code: 'ECONNREFUSED',
      message: `connect ECONNREFUSED redis://${REDACTED}@10.0.0.1:6379`,
    });
    const safeAll = redactError(all) as AggregateError;
    expect(safeAll.name).toBe('AggregateError');
    expect(safeAll.errors.map((inner: Error) => inner.message)).toEqual([
      handshakeError().message,
      refused.message.replace(`admin:${SECRET}`, REDACTED),
    ]);
    expect(printed(safeAll)).not.toContain(SECRET);
  });

  it('stops at a bounded depth on a cyclic chain', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    let depth = 0;
    for (let link = redactError(a) as { cause?: unknown } | undefined; link; link = link.cause as { cause?: unknown } | undefined) depth++;
    expect(depth).toBeLessThanOrEqual(6);
  });

  it('keeps what the error classifier reads: name, message, and TypeError / SyntaxError', () => {
    const cases: unknown[] = [
      new ReplyError('OOM command not allowed when used memory > maxmemory.'),
      new ReplyError('READONLY You can’t write against a read only replica.'),
      new ReplyError('LOADING Redis is loading the dataset in memory'),
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      Object.assign(new Error('Circuit open'), { name: 'CircuitOpenError' }),
      Object.assign(new Error('down'), { name: 'ConnectionDownError' }),
      new Error('Command timed out'),
      new Error('connect ECONNREFUSED 127.0.0.1:6379'),
      new TypeError('Do not know how to serialize a BigInt'),
      new SyntaxError('Unexpected token'),
      'a string',
    ];
    for (const error of cases) expect([error, classifyError(redactError(error))]).toEqual([error, classifyError(error)]);
  });

  it('turns other thrown values into something safe to print', () => {
    expect(redactError(`AUTH ${SECRET}`)).toBe(`AUTH ${REDACTED}`);
    expect(redactError(42)).toBe(42);
    expect(redactError(undefined)).toBeUndefined();
    const plain = redactError({ name: 'Weird', message: `password=${SECRET}`, args: [SECRET] }) as Error;
    expect(plain).toBeInstanceOf(Error);
    expect(String(plain)).toBe(`Weird: password=${REDACTED}`);
    expect(printed(plain)).not.toContain(SECRET);
    const hostile = {
      get message(): string {
        throw new Error(SECRET);
      },
    };
    expect(printed(redactError(hostile))).not.toContain(SECRET);
  });
});

describe('scrubSecrets', () => {
  it.each([
    [`redis://:${SECRET}@cache:6379/0`, `redis://${REDACTED}@cache:6379/0`],
    [`rediss://app:${SECRET}@cache:6380 refused`, `rediss://${REDACTED}@cache:6380 refused`],
    [`ERR while running HELLO 3 AUTH default ${SECRET}`, `ERR while running HELLO 3 AUTH ${REDACTED}`],
    [`ACL SETUSER app on >${SECRET} ~*\nnext line`, `ACL SETUSER ${REDACTED}\nnext line`],
    [`options {"password":"${SECRET}","db":0}`, `options {"password":"${REDACTED}","db":0}`],
    [`sentinelPassword: '${SECRET}'`, `sentinelPassword: '${REDACTED}'`],
    [`config set requirepass ${SECRET}`, `config set requirepass ${REDACTED}`],
  ])('scrubs %j', (text, expected) => {
    expect(scrubSecrets(text)).toBe(expected);
  });

  it('leaves the messages Redis failures have as they are', () => {
    for (const text of [
      'WRONGPASS invalid username-password pair or user is disabled.',
      'NOAUTH Authentication required.',
      'Command timed out',
      'connect ECONNREFUSED 127.0.0.1:6379',
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    ])
      expect(scrubSecrets(text)).toBe(text);
  });
});

describe('CacheError', () => {
  it('holds a redacted cause and a scrubbed message, however it is made', () => {
    const wrapped = CacheError.wrap('get', 'k', handshakeError());
    const made = new CacheError('connect', undefined, `cannot reach redis://u:${SECRET}@host`, { cause: handshakeError() });
    for (const error of [wrapped, made]) {
      expect(printed(error)).not.toContain(SECRET);
      expect((error.cause as { command: unknown }).command).toEqual({ name: 'hello' });
    }
    expect(wrapped.message).toBe('get "k": WRONGPASS invalid username-password pair or user is disabled.');
    expect(made.message).toBe(`connect: cannot reach redis://${REDACTED}@host`);
    expect(CacheError.wrap('set', 'k', wrapped)).toBe(wrapped);
    expect(new CacheError('get', 'k', 'no cause')).not.toHaveProperty('cause');
  });
});
