import { encodeList, encodeValue, KeyRefusal, MAX_KEY_DEPTH } from '../../lib/method-cache/key-encoding.js';
import { defaultBatchKeys, defaultMethodKey } from '../../lib/method-cache/method-key.js';

class Sku {
  constructor(private readonly code: string) {}
  toCacheKey(): string {
    return this.code;
  }
}
class OtherSku {
  constructor(private readonly code: string) {}
  toCacheKey(): string {
    return this.code;
  }
}
class Money {
  readonly #cents: number;
  constructor(cents: number) {
    this.#cents = cents;
  }
  get cents(): number {
    return this.#cents;
  }
}

function text(value: unknown): string {
  const encoded = encodeValue(value, 0);
  if (encoded instanceof KeyRefusal) throw new Error(`refused: ${encoded.reason} (${encoded.detail})`);
  return encoded;
}

function refusal(value: unknown): KeyRefusal {
  const encoded = encodeValue(value, 0);
  if (!(encoded instanceof KeyRefusal)) throw new Error(`accepted as ${encoded}`);
  return encoded;
}

const withExtraProperty = Object.assign([1], { note: 'x' });
const withHole = [1, , 3];
const bytes = Buffer.from('abcd');

describe('the default method key encoding', () => {
  it('gives every one of these values its own text', () => {
    const values: Array<[string, unknown]> = [
      ['undefined', undefined],
      ['null', null],
      ['true', true],
      ['false', false],
      ['0', 0],
      ['-0', -0],
      ['NaN', NaN],
      ['Infinity', Infinity],
      ['-Infinity', -Infinity],
      ['1', 1],
      ['1.5', 1.5],
      ['1n', 1n],
      ['-1n', -1n],
      ['"1"', '1'],
      ['""', ''],
      ['"U"', 'U'],
      ['"null"', 'null'],
      ['lone high surrogate', '\uD800'],
      ['another lone high surrogate', '\uDBFF'],
      ['the replacement character', '\uFFFD'],
      ['[]', []],
      ['[undefined]', [undefined]],
      ['[null]', [null]],
      ['[hole]', [,]],
      ['[1, hole, 3]', withHole],
      ['[1, undefined, 3]', [1, undefined, 3]],
      ['[1] with a property', withExtraProperty],
      ['[1]', [1]],
      ['["a,b"]', ['a,b']],
      ['["a","b"]', ['a', 'b']],
      ['{}', {}],
      ['{ a: undefined }', { a: undefined }],
      ['{ a: null }', { a: null }],
      ['{ "a\\":n1,\\"b": 2 }', { 'a":n1,"b': 2 }],
      ['{ a: 1, b: 2 }', { a: 1, b: 2 }],
      ['Date(0)', new Date(0)],
      ['Date(1)', new Date(1)],
      ['invalid Date', new Date(NaN)],
      ['Set()', new Set()],
      ['Set(1)', new Set([1])],
      ['Set("1")', new Set(['1'])],
      ['Set(1, 2)', new Set([1, 2])],
      ['Map()', new Map()],
      ['Map(1 => 1)', new Map([[1, 1]])],
      ['Map("1" => 1)', new Map([['1', 1]])],
      ['Map(1 => "1")', new Map([[1, '1']])],
      [
        'Map(a => 1, b => 2)',
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
      ],
      [
        'Map(a => 2, b => 1)',
        new Map([
          ['a', 2],
          ['b', 1],
        ]),
      ],
      ['Buffer "abcd"', bytes],
      ['Uint8Array "abcd"', new Uint8Array(bytes)],
      ['Buffer "bc" (a view)', bytes.subarray(1, 3)],
      ['Int16Array [1]', new Int16Array([1])],
      ['ArrayBuffer(1)', new ArrayBuffer(1)],
      ['Sku("a")', new Sku('a')],
      ['Sku("b")', new Sku('b')],
      ['OtherSku("a")', new OtherSku('a')],
    ];
    const seen = new Map<string, string>();
    for (const [name, value] of values) {
      const encoded = text(value);
      expect({ name, sameAs: seen.get(encoded) }).toEqual({ name, sameAs: undefined });
      seen.set(encoded, name);
    }
    // As argument lists too: each value's text is self-delimiting.
    expect(encodeList(['a', 'b'])).not.toBe(encodeList(['a,b']));
    expect(encodeList([1, undefined])).not.toBe(encodeList([1]));
  });

  it('gives equal values the same text whatever their order of keys, entries or members', () => {
    expect(text({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(text({ b: { d: 'x', c: [1, 2] }, a: 1 }));
    expect(
      text(
        new Map([
          ['x', 1],
          ['y', 2],
        ]),
      ),
    ).toBe(
      text(
        new Map([
          ['y', 2],
          ['x', 1],
        ]),
      ),
    );
    expect(text(new Set(['b', 'a']))).toBe(text(new Set(['a', 'b'])));
    expect(text(new Set([{ a: 1 }, [2]]))).toBe(text(new Set([[2], { a: 1 }])));
    expect(text(new Date('2026-01-01T00:00:00Z'))).toBe(text(new Date(Date.UTC(2026, 0, 1))));
    expect(text(Object.assign(Object.create(null), { a: 1 }))).toBe(text({ a: 1 }));
    expect(text(Buffer.from('bc'))).toBe(text(bytes.subarray(1, 3)));
    const shared = { id: 1 };
    expect(text([shared, shared])).toBe(text([{ id: 1 }, { id: 1 }])); // a shared object is not a cycle
  });

  it('encodes an object through its toCacheKey() hook, which may return any value it can encode', () => {
    class Point {
      constructor(
        private readonly x: number,
        private readonly y: number,
      ) {}
      toCacheKey() {
        return [this.x, this.y];
      }
    }
    expect(text(new Point(1, 2))).toBe(text(new Point(1, 2)));
    expect(text(new Point(1, 2))).not.toBe(text(new Point(2, 1)));
    expect(text(new Point(1, 2))).not.toBe(text([1, 2]));
  });

  it.each<[string, () => unknown, KeyRefusal['reason']]>([
    ['a function', () => () => 1, 'function'],
    ['a symbol', () => Symbol('s'), 'symbol'],
    ['an object with a symbol-keyed property', () => ({ [Symbol('s')]: 1 }), 'symbol'],
    ['a class instance without the hook', () => new (class Plain {})(), 'class_instance'],
    ['state in #private fields', () => new Money(1), 'class_instance'],
    ['a WeakMap', () => new WeakMap(), 'class_instance'],
    ['a Promise', () => Promise.resolve(1), 'class_instance'],
    ['a RegExp', () => /a/g, 'class_instance'],
    ['a Map subclass', () => new (class Registry extends Map {})(), 'class_instance'],
    ['an Error', () => new Error('x'), 'class_instance'],
    ['a function nested in a plain object', () => ({ a: [{ b: () => 1 }] }), 'function'],
    [
      'a cycle',
      () => {
        const node: Record<string, unknown> = {};
        node.next = { back: node };
        return node;
      },
      'cycle',
    ],
    [
      'a cycle through a Map',
      () => {
        const map = new Map<string, unknown>();
        map.set('self', map);
        return map;
      },
      'cycle',
    ],
    [
      'a hook returning its own object',
      () => ({
        toCacheKey() {
          return this;
        },
      }),
      'cycle',
    ],
    [
      'a hook returning a new hooked object each time',
      () => {
        const endless = (): object => ({ toCacheKey: endless });
        return endless();
      },
      'too_deep',
    ],
    [
      'nesting past the depth bound',
      () => {
        let value: unknown = 1;
        for (let i = 0; i < MAX_KEY_DEPTH + 1; i++) value = [value];
        return value;
      },
      'too_deep',
    ],
    [
      'shared sub-objects whose text doubles with every level',
      () => {
        let value: unknown = [];
        for (let i = 0; i < 60; i++) value = [value, value];
        return value;
      },
      'too_large',
    ],
    ['a sparse array of a billion holes', () => new Array(1e9), 'too_large'],
    [
      'a hook that throws',
      () => ({
        toCacheKey() {
          throw new Error('no');
        },
      }),
      'key_hook_failed',
    ],
    [
      'a getter that throws',
      () => ({
        get a() {
          throw new Error('no');
        },
      }),
      'unreadable',
    ],
  ])('refuses %s', (_name, make, reason) => {
    expect(refusal(make()).reason).toBe(reason);
  });

  it('names the class it refuses, never the value', () => {
    expect(refusal(new Money(12345)).detail).toBe('an instance of Money without toCacheKey()');
  });
});

describe('defaultMethodKey', () => {
  it("is the method name and the SHA-256 of the arguments' text, whatever its length", () => {
    expect(defaultMethodKey('Svc.find', ['a'])).toMatch(/^Svc\.find:[\w-]{43}$/);
    expect(defaultMethodKey('Svc.find', ['x'.repeat(10_000)])).toMatch(/^Svc\.find:[\w-]{43}$/);
    expect(defaultMethodKey('Svc.find', ['secret-token'])).not.toContain('secret');
  });

  it('keeps apart arguments that differ only where UTF-8 would merge them (lone surrogates)', () => {
    expect(defaultMethodKey('Svc.find', ['\uD800'])).not.toBe(defaultMethodKey('Svc.find', ['\uDBFF']));
  });

  it('returns the refusal of the first argument it cannot encode, with its position', () => {
    const refused = defaultMethodKey('Svc.find', ['ok', () => 1]);
    expect(refused).toBeInstanceOf(KeyRefusal);
    expect(refused).toMatchObject({ reason: 'function', argument: 1 });
  });

  it('gives each id of a batch the key the single call would have', () => {
    const rest = [{ warehouse: 'w1' }, new Set([2])];
    expect(defaultBatchKeys('Svc.stock', [1, 'a', [null]], rest)).toEqual([
      defaultMethodKey('Svc.stock', [1, ...rest]),
      defaultMethodKey('Svc.stock', ['a', ...rest]),
      defaultMethodKey('Svc.stock', [[null], ...rest]),
    ]);
    expect(defaultBatchKeys('Svc.stock', [1], [new Money(1)])).toMatchObject({ reason: 'class_instance', argument: 1 });
    expect(defaultBatchKeys('Svc.stock', [1, new Money(1)], [])).toMatchObject({ reason: 'class_instance', argument: 0 });
  });
});
