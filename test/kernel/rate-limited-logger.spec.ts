import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RateLimitedLogger } from '../../lib/kernel/rate-limited-logger.js';

describe('RateLimitedLogger', () => {
  const lines: string[] = [];
  const logLines: string[] = [];

  beforeEach(() => {
    lines.length = 0;
    logLines.length = 0;
    jest.useFakeTimers({ now: 0 });
    const ignore = (): void => undefined;
    Logger.overrideLogger({
      log: (message: unknown) => void logLines.push(String(message)),
      error: ignore,
      debug: ignore,
      verbose: ignore,
      warn: (message: unknown) => void lines.push(String(message)),
    });
  });

  afterEach(() => {
    jest.useRealTimers();
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  it('turns a minute of failures at 10,000 per second into a handful of lines, each counting what it stands for', () => {
    const logger = new RateLimitedLogger('test');
    for (let ms = 0; ms < 60_000; ms++) {
      for (let i = 0; i < 10; i++) logger.warn(i % 2 === 0 ? 'get:timeout' : 'set:timeout', 'Redis timed out');
      jest.advanceTimersByTime(1);
    }
    // Two categories, one line each per 10 s.
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('Redis timed out');
    expect(lines[2]).toBe('Redis timed out (49999 similar suppressed)');
  });

  it('writes every message as one line: control characters are escaped, JSON-style (issue 18, item 13)', () => {
    const logger = new RateLimitedLogger('test');
    logger.warn('a', 'key "k\n[Nest] forged line\r" \t\u2028\u0000\x1b[2J\u009b end');
    logger.log('log: k\nforged');
    expect(lines).toEqual(['key "k\\n[Nest] forged line\\r" \\t\\u2028\\u0000\\u001b[2J\\u009b end']);
    expect(logLines).toEqual(['log: k\\nforged']);
  });

  it('logs a new category at once, whatever else is being suppressed', () => {
    const logger = new RateLimitedLogger('test', 1000);
    logger.warn('a', 'first a');
    logger.warn('a', 'second a');
    logger.warn('b', 'first b');
    expect(lines).toEqual(['first a', 'first b']);
    jest.advanceTimersByTime(1000);
    logger.warn('a', 'third a');
    expect(lines).toEqual(['first a', 'first b', 'third a (1 similar suppressed)']);
  });
});
