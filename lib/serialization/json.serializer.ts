import type { CacheSerializer } from './cache-serializer.interface.js';

/**
 * JSON that refuses what JSON would silently change: functions, symbols, BigInt,
 * NaN/Infinity (they would come back as null), `undefined` inside arrays (null),
 * Map and Set (`{}`), circular structures. Objects with `toJSON` (Date) are stored
 * as their JSON form, as JSON defines; `undefined` object properties are omitted.
 */
export class JsonSerializer implements CacheSerializer {
  serialize(value: unknown): string {
    const json = JSON.stringify(value, refuseLossy);
    if (json === undefined) throw new TypeError(`a value of type ${typeof value} cannot be stored as JSON`);
    return json;
  }

  deserialize(raw: string): unknown {
    return JSON.parse(raw);
  }
}

function refuseLossy(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      throw new TypeError(`${describe(key)} is ${value}, which JSON would store as null`);
    case 'object':
      if (value instanceof Map || value instanceof Set) {
        throw new TypeError(`${describe(key)} is a ${value.constructor.name}, which JSON would store as {}`);
      }
      return value;
    case 'undefined':
      if (Array.isArray(this)) throw new TypeError(`${describe(key)} is undefined inside an array, which JSON would store as null`);
      return value;
    default:
      throw new TypeError(`${describe(key)} is a ${typeof value}, which JSON cannot store`);
  }
}

function describe(key: string): string {
  return key === '' ? 'the value' : `property "${key}"`;
}
