import { MAX_NESTING_DEPTH } from './nesting.js';

/**
 * Refuses values msgpackr would store as something else (it turns a class instance into a plain object and a
 * Map subclass into `{}` without a word), and RegExp and Error unless the namespace allows them. A depth-only walk
 * keeps the common case cheap (~50 µs per 100 KB); only a walk that hits the depth limit is walked again to tell a
 * cycle from deep nesting. Reads run the same walk over what they decoded: they refuse what a write refuses.
 */
const PLAIN = 1;
const ARRAY = 2;
const MAP = 3;
const SET = 4;
const LEAF = 5;
const ERROR = 6;
const REGEXP = 7;

/** Types beyond plain data a namespace may store with msgpack (option `msgpackTypes`). */
export type MsgpackType = 'RegExp' | 'Error';
export const MSGPACK_TYPES: readonly MsgpackType[] = ['RegExp', 'Error'];

const KIND = new Map<object | null, number>([
  [Object.prototype, PLAIN],
  [null, PLAIN],
  [Array.prototype, ARRAY],
  [Map.prototype, MAP],
  [Set.prototype, SET],
]);
KIND.set(RegExp.prototype, REGEXP);
for (const leaf of [
  Date,
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

const MAX_DEPTH = MAX_NESTING_DEPTH;
const TOO_DEEP = Symbol('too deep');

/** Throws TypeError naming what msgpack would not keep faithfully, or a type `allowed` does not include. */
export function assertMsgpackable(value: unknown, allowed: ReadonlySet<MsgpackType>): void {
  try {
    check(value, 0, allowed);
  } catch (error) {
    if (error !== TOO_DEEP) throw error;
    refuse(hasCycle(value, new Set()) ? 'a circular structure' : `a structure nested deeper than ${MAX_DEPTH} levels`);
  }
}

function check(value: unknown, depth: number, allowed: ReadonlySet<MsgpackType>): void {
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
  if (kind === REGEXP && !allowed.has('RegExp')) refuse(`a RegExp (unless the namespace's option "msgpackTypes" includes 'RegExp')`);
  if (kind === ERROR && !allowed.has('Error')) refuse(`an Error (unless the namespace's option "msgpackTypes" includes 'Error')`);
  if (kind === LEAF || kind === REGEXP) return;
  if (depth === MAX_DEPTH) throw TOO_DEEP;
  checkChildren(value as object, kind, depth + 1, allowed);
}

function checkChildren(value: object, kind: number, depth: number, allowed: ReadonlySet<MsgpackType>): void {
  switch (kind) {
    case PLAIN:
      for (const key in value) {
        if (key === '__proto__') refuse('an own "__proto__" property (msgpackr renames it)');
        check((value as Record<string, unknown>)[key], depth, allowed);
      }
      return;
    case ARRAY: {
      const array = value as unknown[];
      for (let index = 0; index < array.length; index++) {
        const element = array[index];
        if (element === undefined && !(index in array)) refuse('a sparse array (it would read back with undefined in the holes)');
        check(element, depth, allowed);
      }
      return;
    }
    case MAP:
      for (const [key, entry] of value as Map<unknown, unknown>) {
        check(key, depth, allowed);
        check(entry, depth, allowed);
      }
      return;
    case SET:
      for (const element of value as Set<unknown>) check(element, depth, allowed);
      return;
    case ERROR:
      for (const key in value) refuse(`an Error with its own property "${key}" (only name, message and cause are kept)`);
      check((value as Error).cause, depth, allowed);
  }
}

/**
 * The same rules for a value msgpackr decoded, which can only be plain data, or a RegExp or an Error from its built-in
 * extensions (no class instance, hole or cycle comes out of it with structured clone off): refuses nesting past the
 * limit and a RegExp or Error `allowed` does not name. Leaner than the write walk (~2.5x), as every read runs it.
 */
export function assertMsgpackReadable(value: unknown, allowed: ReadonlySet<MsgpackType>): void {
  if (typeof value === 'object' && value !== null) checkDecoded(value, 0, allowed);
}

function checkDecoded(value: object, depth: number, allowed: ReadonlySet<MsgpackType>): void {
  if (depth === MAX_DEPTH) refuse(`a structure nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const element of value) if (typeof element === 'object' && element !== null) checkDecoded(element, depth + 1, allowed);
    return;
  }
  const kind = KIND.get(Object.getPrototypeOf(value));
  if (kind === PLAIN) {
    for (const key in value) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) checkDecoded(child, depth + 1, allowed);
    }
  } else if (kind === MAP || kind === SET) {
    for (const child of kind === MAP ? [...(value as Map<unknown, unknown>)].flat() : value as Set<unknown>) {
      if (typeof child === 'object' && child !== null) checkDecoded(child, depth + 1, allowed);
    }
  } else if (kind === REGEXP && !allowed.has('RegExp')) {
    refuse(`a RegExp (unless the namespace's option "msgpackTypes" includes 'RegExp')`);
  } else if (kind === ERROR) {
    if (!allowed.has('Error')) refuse(`an Error (unless the namespace's option "msgpackTypes" includes 'Error')`);
    const { cause } = value as Error;
    if (typeof cause === 'object' && cause !== null) checkDecoded(cause, depth + 1, allowed);
  } else if (kind === undefined) {
    refuse(`an instance of ${(value as object).constructor?.name ?? 'an unknown class'} (only plain data is stored)`);
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
