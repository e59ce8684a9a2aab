import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A test measures what the process keeps, not garbage V8 has not collected yet: gc() without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** V8's used heap after a full collection, in bytes. */
export function heapUsedAfterGc(): number {
  collectGarbage();
  collectGarbage(); // a second pass frees what the first one's finalizers released
  return process.memoryUsage().heapUsed;
}
