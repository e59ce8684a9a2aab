/**
 * Refuses values msgpackr would store as something else (it turns a class instance into a plain object and a
 * Map subclass into `{}` without a word). A depth-only walk keeps the common case cheap (~50 µs per 100 KB);
 * only a walk that hits the depth limit is walked again to tell a cycle from deep nesting.
 */
const PLAIN = 1;
const ARRAY = 2;
const MAP = 3;
const SET = 4;
const LEAF = 5;
const ERROR = 6;

const KIND = new Map<object | null, number>([
  [Object.prototype, PLAIN],
  [null, PLAIN],
  [Array.prototype, ARRAY],
  [Map.prototype, MAP],
  [Set.prototype, SET],
]);
for (const leaf of [
  Date,
  RegExp,
  ArrayBuffer,
  DataView,
  Buffer,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]) {
  KIND.set(leaf.prototype, LEAF);
}
for (const error of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) KIND.set(error.prototype, ERROR);

/** msgpackr itself overflows the stack at ~1,200 nested objects. */
const MAX_DEPTH = 1000;
const TOO_DEEP = Symbol('too deep');

export function assertMsgpackable(value: unknown): void {
  try {
    check(value, 0);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    refuse(hasCycle(value, new Set()) ? 'a circular structure' : `a structure nested deeper than ${MAX_DEPTH} levels`);
  }
}

function check(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return;
    case 'function':
      return refuse('a function');
    case 'symbol':
      return refuse('a symbol');
  }
  if (value === null) return;
  const kind = KIND.get(Object.getPrototypeOf(value));
  if (kind === undefined) return refuse(`an instance of ${(value as object).constructor?.name ?? 'an unknown class'} (only plain data is stored)`);
  if (kind === LEAF) return;
  if (depth === MAX_DEPTH) throw TOO_DEEP;
  checkChildren(value as object, kind, depth + 1);
}

function checkChildren(value: object, kind: number, depth: number): void {
  switch (kind) {
    case PLAIN:
      for (const key in value) {
        if (key === '__proto__') refuse('an own "__proto__" property (msgpackr renames it)');
        check((value as Record<string, unknown>)[key], depth);
      }
      return;
    case ARRAY: {
      const array = value as unknown[];
      for (let index = 0; index < array.length; index++) {
        const element = array[index];
        if (element === undefined && !(index in array)) refuse('a sparse array (it would read back with undefined in the holes)');
        check(element, depth);
      }
      return;
    }
    case MAP:
      for (const [key, entry] of value as Map<unknown, unknown>) {
        check(key, depth);
        check(entry, depth);
      }
      return;
    case SET:
      for (const element of value as Set<unknown>) check(element, depth);
      return;
    case ERROR:
      for (const key in value) refuse(`an Error with its own property "${key}" (only name, message and cause are kept)`);
      check((value as Error).cause, depth);
  }
}

function hasCycle(value: unknown, ancestors: Set<object>): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children =
    value instanceof Map ? [...value].flat() : value instanceof Set ? [...value] : value instanceof Error ? [value.cause] : Object.values(value);
  const found = children.some((child) => hasCycle(child, ancestors));
  ancestors.delete(value);
  return found;
}

function refuse(what: string): never {
  throw new TypeError(`${what} cannot be stored with msgpack`);
}
