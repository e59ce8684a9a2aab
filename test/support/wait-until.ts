import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `condition` every 50 ms until it holds, for at most `timeoutMs`; a throw counts as "not yet"
 * (a server starting, a node just killed) and is named in the timeout error.
 */
export async function waitUntil(what: string, timeoutMs: number, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(50);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}
