import type { CacheSerializer } from './cache-serializer.interface.js';
import { assertFiniteNumbers, checkJsonText, mayHoldExponent, SHORT_JSON_BYTES } from './json-text-check.js';
import { MAX_NESTING_DEPTH } from './nesting.js';

/**
 * JSON that refuses what JSON would silently change: functions, symbols, BigInt,
 * NaN/Infinity (they would come back as null), `undefined` inside arrays (null),
 * Map and Set (`{}`), circular structures, and nesting deeper than 1,000 levels. Objects with
 * `toJSON` (Date) are stored as their JSON form, as JSON defines; `undefined` object properties are
 * omitted. Reading refuses the same (text nested too deep, a number that overflows to Infinity).
 */
export class JsonSerializer implements CacheSerializer {
  serialize(value: unknown): string {
    // A separate check keeps JSON.stringify on V8's fast path, which a replacer function disables.
    assertJsonSafe(value, '', false, []);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`a value of type ${typeof value} cannot be stored as JSON`);
    return json;
  }

  deserialize(bytes: Buffer): unknown {
    if (bytes.length <= SHORT_JSON_BYTES) {
      // The usual small value: too short to nest too deep, so a native regex on the text replaces the byte scan.
      const text = bytes.toString();
      const value: unknown = JSON.parse(text);
      if (mayHoldExponent(text)) assertFiniteNumbers(value);
      return value;
    }
    const { mayOverflow } = checkJsonText(bytes);
    const value: unknown = JSON.parse(bytes.toString());
    if (mayOverflow) assertFiniteNumbers(value);
    return value;
  }
}

// The walk keeps allocation low (array indexes stay numbers, ancestors a small stack) because every set runs it.
function assertJsonSafe(value: unknown, key: string | number, inArray: boolean, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (value - value !== 0) throw new TypeError(`${describe(key)} is ${value}, which JSON would store as null`); // NaN, ±Infinity
      return;
    case 'undefined':
      if (inArray) throw new TypeError(`${describe(key)} is undefined inside an array, which JSON would store as null`);
      return; // an omitted property reads back as undefined; the whole value undefined is refused by serialize
    case 'object':
      if (value !== null) assertObjectSafe(value, key, inArray, ancestors);
      return;
    default:
      if (key === '' && ancestors.length === 0 && typeof value !== 'bigint') return; // the whole value: serialize refuses it
      throw new TypeError(`${describe(key)} is a ${typeof value}, which JSON cannot store`);
  }
}

function assertObjectSafe(value: object, key: string | number, inArray: boolean, ancestors: object[]): void {
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    assertJsonSafe(toJSON.call(value, String(key)), key, inArray, ancestors);
    return;
  }
  if (value instanceof Map || value instanceof Set) {
    throw new TypeError(`${describe(key)} is a ${value.constructor.name}, which JSON would store as {}`);
  }
  if (ancestors.includes(value)) throw new TypeError(`${describe(key)} is circular: JSON cannot store a structure that contains itself`);
  if (ancestors.length === MAX_NESTING_DEPTH) throw new TypeError(`the value nests deeper than ${MAX_NESTING_DEPTH} levels, which JSON entries may not`);
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) assertJsonSafe(value[index], index, true, ancestors);
  } else {
    for (const property in value) {
      if (Object.hasOwn(value, property)) assertJsonSafe((value as Record<string, unknown>)[property], property, false, ancestors);
    }
  }
  ancestors.pop();
}

function describe(key: string | number): string {
  return key === '' ? 'the value' : `property "${key}"`;
}
