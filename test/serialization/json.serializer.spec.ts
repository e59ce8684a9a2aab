import { JsonSerializer } from '../../lib/serialization/json.serializer.js';

describe('JsonSerializer', () => {
  const json = new JsonSerializer();
  const roundTrip = (value: unknown) => json.deserialize(Buffer.from(json.serialize(value)));

  it.each([
    ['a string', 'text'],
    ['a number', 42.5],
    ['null', null],
    ['a boolean', false],
    ['an array', [1, 'two', null, { three: 3 }]],
    ['a nested object', { a: { b: { c: [true] } }, d: 'é☃' }],
  ])('keeps %s unchanged', (_label, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('stores a Date as its ISO string, as JSON defines', () => {
    expect(roundTrip({ at: new Date('2026-01-02T03:04:05.000Z') })).toEqual({ at: '2026-01-02T03:04:05.000Z' });
  });

  it('accepts the same object referenced twice (shared, not circular)', () => {
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: [shared] })).toEqual({ a: { n: 1 }, b: [{ n: 1 }] });
  });

  it('checks what toJSON returns', () => {
    expect(() => json.serialize({ odd: { toJSON: () => Number.NaN } })).toThrow(/NaN/);
  });

  it('omits undefined object properties', () => {
    expect(roundTrip({ a: 1, b: undefined })).toEqual({ a: 1 });
  });

  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;

  it.each([
    ['undefined as the whole value', undefined, /undefined/],
    ['a function', () => 1, /function/],
    ['a nested function', { fn: () => 1 }, /"fn" is a function/],
    ['a symbol', { s: Symbol('x') }, /symbol/],
    ['a BigInt', { big: 10n }, /"big" is a bigint/],
    ['NaN', { n: Number.NaN }, /NaN/],
    ['Infinity', [Number.POSITIVE_INFINITY], /Infinity/],
    ['undefined in an array', [1, undefined], /inside an array/],
    ['a Map', { m: new Map([[1, 2]]) }, /Map/],
    ['a Set', new Set([1]), /Set/],
    ['a circular structure', circular, /circular/i],
  ])('refuses %s instead of storing it changed', (_label, value, message) => {
    expect(() => json.serialize(value)).toThrow(message);
  });

  it('throws on text that is not JSON', () => {
    expect(() => json.deserialize(Buffer.from('{"truncated":'))).toThrow(SyntaxError);
  });
});
