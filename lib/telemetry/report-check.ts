/**
 * Shared reports are read back from Redis, where anyone able to write under the namespace could have put anything: what
 * publishing them sets (gauge values, label values) is checked first. A check throws InvalidReport saying what is wrong,
 * in fixed words: nothing of the report itself, which is untrusted text.
 */
export class InvalidReport extends Error {
  override readonly name = 'InvalidReport';
}

/** `value` as a plain object (what JSON.parse makes of `{…}`), or InvalidReport naming `what`. */
export function objectField(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidReport(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** `record[field]` as a finite, non-negative number (JSON's `1e999` parses to Infinity), or InvalidReport. */
export function countField(record: Record<string, unknown>, field: string, what: string): number {
  const value = Object.hasOwn(record, field) ? record[field] : undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidReport(`${what}.${field} is not a finite non-negative number`);
  }
  return value;
}
