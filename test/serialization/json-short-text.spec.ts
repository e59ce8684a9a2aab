import { JsonSerializer } from '../../lib/serialization/json.serializer.js';
import { SHORT_JSON_BYTES } from '../../lib/serialization/json-text-check.js';
import { MAX_NESTING_DEPTH } from '../../lib/serialization/nesting.js';

const json = new JsonSerializer();
const read = (text: string): unknown => json.deserialize(Buffer.from(text));

/** `text` padded with spaces (insignificant in JSON) to exactly `bytes` bytes. */
const padded = (text: string, bytes: number): string => text + ' '.repeat(bytes - Buffer.byteLength(text));

describe('JSON reads of short text (no byte scan before JSON.parse)', () => {
  it('refuses a number that overflows to Infinity, in every exponent spelling', () => {
    for (const text of ['1e999', '[1E400]', '{"a":-2.5e+999}', '{"a":[0.1e310]}'])
      expect(() => read(text)).toThrow(/Infinity/);
  });

  it('refuses it on both sides of the short-text bound', () => {
    for (const bytes of [SHORT_JSON_BYTES, SHORT_JSON_BYTES + 1]) expect(() => read(padded('{"a":1e999}', bytes))).toThrow(/Infinity/);
  });

  it('reads finite exponents, and "e" after a digit inside strings, unchanged', () => {
    expect(read('{"n":1e5,"id":"3e4f-9E1"}')).toEqual({ n: 100000, id: '3e4f-9E1' });
    expect(read(padded('[2E-3]', SHORT_JSON_BYTES))).toEqual([0.002]);
  });

  it('still refuses nesting past the bound (text that deep is never short)', () => {
    const deep = '['.repeat(MAX_NESTING_DEPTH + 1) + ']'.repeat(MAX_NESTING_DEPTH + 1);
    expect(Buffer.byteLength(deep)).toBeGreaterThan(SHORT_JSON_BYTES);
    expect(() => read(deep)).toThrow(/nests deeper/);
    const deepest = '['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH);
    expect(read(deepest)).toBeInstanceOf(Array);
  });
});
