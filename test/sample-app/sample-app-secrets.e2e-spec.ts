/**
 * The built sample app (dist-sample/, against the built dist/) as a real child process, booted with a malformed
 * REDIS_URL that holds a password (issue 18, item 11). Build first: npm run build && npm run build:sample
 */
import { assertSampleAppBuilt, SampleAppProcess } from '../support/sample-app-process.js';

const PASSWORD = 'Sample-Pa55-k2v8-secret';

describe('the sample app with a malformed REDIS_URL', () => {
  beforeAll(() => assertSampleAppBuilt());

  it.each([
    ['a typo in the port', `redis://sample-cache:${PASSWORD}@127.0.0.1:63a79`],
    ['an unclosed "["', `redis://sample-cache:${PASSWORD}@[::1:6379`],
  ])('%s: exits before listening, naming redis.url, and prints no password', async (_, url) => {
    let failure: unknown;
    try {
      const app = await SampleAppProcess.start({ REDIS_URL: url });
      await app.kill();
    } catch (error) {
      failure = error;
    }
    // The start fails with everything the process printed (Nest's boot error included).
    const output = (failure as Error | undefined)?.message ?? '';
    expect(output).toMatch(/sample app exited \(code 1/);
    expect(output).not.toContain(PASSWORD);
    expect(output).toMatch(/CacheError: configure: option "redis\.url" is not a valid URL/);
  });
});
