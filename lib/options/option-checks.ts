import { CacheError } from '../kernel/cache-error.js';

/** Every option error is a configure CacheError that names the option. */
export function configError(message: string): CacheError {
  return new CacheError('configure', undefined, message);
}

/** A concept's object (`policy`, `resilience`, …) or `{}` when not given; `shape` lists its fields for the message. */
export function conceptObject<T extends object>(name: string, value: T | undefined, shape: string, context = ''): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw configError(`${context}option "${name}" must be ${shape}, got ${JSON.stringify(value)}`);
  return value;
}

export function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw configError(`option "${name}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function nonNegativeInteger(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw configError(`option "${name}" must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value as number;
}

export function positiveInteger(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw configError(`option "${name}" must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}
