import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Jest runs without --expose-gc: turning the flag on at runtime makes a fresh context's `gc` available.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Memory still reachable after full collections: JS heap, and ArrayBuffers (Buffers) held outside it. */
export function retainedMemory(): { heapUsed: number; arrayBuffers: number } {
  for (let i = 0; i < 3; i++) collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers };
}

export const MiB = 1024 * 1024;
export const KiB = 1024;
