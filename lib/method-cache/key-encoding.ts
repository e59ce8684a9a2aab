/**
 * The canonical, type-tagged text of a decorated method's arguments, from which its default key is hashed. Two values
 * get the same text only if they are equal value by value, as described below; a value whose identity the text cannot
 * capture is refused, so its call runs uncached instead of sharing another call's entry.
 *
 * Every form is self-delimiting, so a list of them has one reading:
 *   `U` undefined, `N` null, `T` / `F` booleans, `n<String(number)>` (`n-0`, `nNaN`, `nInfinity`), `b<digits>` bigint,
 *   `"…"` strings as JSON (lone surrogates escaped), `D<epoch ms | NaN>` Dates, `[a,b,~]` arrays (`~` a hole, other own
 *   properties after them as an object), `{"k":v}` plain objects (own enumerable string keys, sorted), `M[k:v]` Maps and
 *   `S[v]` Sets (sorted by text), `X<Type>:<base64>` Buffers and typed arrays, `A:<base64>` ArrayBuffers,
 *   `K"<Class>"<text>` an object through its toCacheKey() hook.
 */

/** Why an argument cannot be part of a default key (the `reason` label of cache_uncacheable_calls_total). */
export type UncacheableReason =
  'function' | 'symbol' | 'class_instance' | 'cycle' | 'too_deep' | 'too_large' | 'key_hook_failed' | 'unreadable';

/**
 * An argument the default key refuses: the reason, which argument, and what it is (a type or class name, never a value).
 * A class, so that no key a user's function returns can pass for one.
 */
export class KeyRefusal {
  constructor(
    readonly reason: UncacheableReason,
    readonly argument: number,
    readonly detail: string,
  ) {}
}

/** Deeper nesting is refused rather than risking the stack. */
export const MAX_KEY_DEPTH = 64;
/** Longer encodings are refused: shared sub-objects could otherwise grow the text exponentially. */
export const MAX_KEY_TEXT_LENGTH = 256 * 1024;

/** The hook a class implements to be part of default keys: return a value the default key can encode. */
export const KEY_HOOK = 'toCacheKey';

const TYPED_ARRAYS: ReadonlyMap<object, string> = new Map<object, string>([
  [Buffer.prototype, 'Buffer'],
  [Uint8Array.prototype, 'Uint8Array'],
  [Uint8ClampedArray.prototype, 'Uint8ClampedArray'],
  [Int8Array.prototype, 'Int8Array'],
  [Uint16Array.prototype, 'Uint16Array'],
  [Int16Array.prototype, 'Int16Array'],
  [Uint32Array.prototype, 'Uint32Array'],
  [Int32Array.prototype, 'Int32Array'],
  [Float32Array.prototype, 'Float32Array'],
  [Float64Array.prototype, 'Float64Array'],
  [BigUint64Array.prototype, 'BigUint64Array'],
  [BigInt64Array.prototype, 'BigInt64Array'],
]);

/** Thrown inside the encoder to unwind at the first value it refuses. */
class Refused extends Error {
  constructor(
    readonly reason: UncacheableReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** The text of `values` as one list (`[a,b]`), or why one of them cannot be encoded. */
export function encodeList(values: readonly unknown[]): string | KeyRefusal {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const part = encodeValue(values[i], i);
    if (part instanceof KeyRefusal) return part;
    parts.push(part);
  }
  return joinList(parts);
}

/** Encoded values as the list encodeList makes of them. */
export function joinList(parts: readonly string[]): string {
  return `[${parts.join(',')}]`;
}

/** The text of one value (`argument` is its position, for the refusal). */
export function encodeValue(value: unknown, argument: number): string | KeyRefusal {
  try {
    return new Encoder().value(value, 0);
  } catch (error) {
    if (error instanceof Refused) return new KeyRefusal(error.reason, argument, error.detail);
    // A getter or a Proxy trap threw, or the text outgrew what a string holds.
    return new KeyRefusal('unreadable', argument, 'a value whose properties could not be read');
  }
}

class Encoder {
  /** The objects being encoded, outermost first: meeting one again is a cycle (a shared, acyclic one is fine). */
  private readonly path = new Set<object>();
  private length = 0;

  value(value: unknown, depth: number): string {
    switch (typeof value) {
      case 'string':
        return this.atom(JSON.stringify(value));
      case 'number':
        return this.atom(Object.is(value, -0) ? 'n-0' : `n${value}`);
      case 'bigint':
        return this.atom(`b${value}`);
      case 'boolean':
        return this.atom(value ? 'T' : 'F');
      case 'undefined':
        return this.atom('U');
      case 'function':
        throw new Refused('function', 'a function');
      case 'symbol':
        throw new Refused('symbol', 'a symbol');
    }
    if (value === null) return this.atom('N');
    return this.container(value as object, depth);
  }

  private container(value: object, depth: number): string {
    if (depth >= MAX_KEY_DEPTH) throw new Refused('too_deep', `nested deeper than ${MAX_KEY_DEPTH} levels`);
    if (this.path.has(value)) throw new Refused('cycle', 'a cyclic structure');
    this.spend(2); // even empty containers count: shared sub-objects must not grow the text unnoticed
    this.path.add(value);
    const text = this.object(value, depth + 1);
    this.path.delete(value);
    return text;
  }

  private object(value: object, depth: number): string {
    const hook = (value as Record<string, unknown>)[KEY_HOOK];
    if (typeof hook === 'function') return this.hooked(value, hook as (this: object) => unknown, depth);
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) return this.properties(value, Object.keys(value), depth);
    if (prototype === Array.prototype) return this.array(value as unknown[], depth);
    if (prototype === Date.prototype) return this.atom(`D${(value as Date).getTime()}`);
    if (prototype === Map.prototype) return this.map(value as Map<unknown, unknown>, depth);
    if (prototype === Set.prototype) return this.set(value as Set<unknown>, depth);
    if (prototype === ArrayBuffer.prototype) return this.atom(`A:${Buffer.from(value as ArrayBuffer).toString('base64')}`);
    const typedArray = TYPED_ARRAYS.get(prototype as object);
    if (typedArray !== undefined) {
      const view = value as Uint8Array;
      return this.atom(`X${typedArray}:${Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64')}`);
    }
    throw new Refused('class_instance', `an instance of ${described(classNameOf(value))} without ${KEY_HOOK}()`);
  }

  /** The class name tags the hook's answer: `UserId('1')` and `OrderId('1')` are different arguments. */
  private hooked(value: object, hook: (this: object) => unknown, depth: number): string {
    let key: unknown;
    try {
      key = hook.call(value);
    } catch {
      throw new Refused('key_hook_failed', `an instance of ${described(classNameOf(value))} whose ${KEY_HOOK}() threw`);
    }
    return `K${this.atom(JSON.stringify(classNameOf(value)))}${this.value(key, depth)}`;
  }

  private properties(value: object, keys: string[], depth: number): string {
    const symbols = Object.getOwnPropertySymbols(value);
    if (symbols.some((symbol) => Object.prototype.propertyIsEnumerable.call(value, symbol))) {
      throw new Refused('symbol', 'an object with symbol-keyed properties');
    }
    keys.sort();
    const parts = keys.map((key) => `${this.atom(JSON.stringify(key))}:${this.value((value as Record<string, unknown>)[key], depth)}`);
    return `{${parts.join(',')}}`;
  }

  private array(value: unknown[], depth: number): string {
    const parts: string[] = [];
    let present = 0;
    for (let i = 0; i < value.length; i++) {
      if (i in value) {
        present++;
        parts.push(this.value(value[i], depth));
      } else {
        parts.push(this.atom('~'));
      }
    }
    const keys = Object.keys(value); // indices first, in order, then any other own properties
    const extra = keys.length === present ? [] : keys.slice(present);
    const list = joinList(parts);
    return extra.length === 0 && Object.getOwnPropertySymbols(value).length === 0 ? list : list + this.properties(value, extra, depth);
  }

  private map(value: Map<unknown, unknown>, depth: number): string {
    const parts: string[] = [];
    for (const [key, entry] of value) parts.push(`${this.value(key, depth)}:${this.value(entry, depth)}`);
    return `M[${parts.sort().join(',')}]`;
  }

  private set(value: Set<unknown>, depth: number): string {
    const parts: string[] = [];
    for (const member of value) parts.push(this.value(member, depth));
    return `S[${parts.sort().join(',')}]`;
  }

  /** Counts an atom (and its separator) against the length bound. */
  private atom(text: string): string {
    this.spend(text.length + 1);
    return text;
  }

  private spend(length: number): void {
    this.length += length;
    if (this.length > MAX_KEY_TEXT_LENGTH) throw new Refused('too_large', `longer than ${MAX_KEY_TEXT_LENGTH} characters once encoded`);
  }
}

/** The name of the value's class, '' if it has none. */
function classNameOf(value: object): string {
  const name: unknown = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' ? name : '';
}

/** A class name for logs: code, not data, but kept to identifier characters anyway. */
function described(className: string): string {
  const safe = className.replace(/[^\w$.-]/g, '').slice(0, 64);
  return safe === '' ? 'an anonymous class' : safe;
}
