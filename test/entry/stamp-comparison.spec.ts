import { EntryCodec } from '../../lib/entry/entry-codec.js';
import { compareStamps, readTagStamps, StampMatch, type TagStamp } from '../../lib/entry/entry-format.js';
import { resolveEncoding } from '../../lib/options/resolve-encoding.js';

/**
 * compareStamps, the tagged read's in-place check, settles only what the parsed stamps would settle the same way:
 * Holds / Stale for exactly the tags asked, in order; anything else (and every damaged header) is Other, left to the
 * parsing path and the decoder (which counts and removes a damaged entry).
 */
const codec = new EntryCodec(resolveEncoding('json', false, 1024 * 1024, ''));

function entryWith(stamps: TagStamp[]): Buffer {
  return codec.encode({ a: 1 }, { createdAt: Date.now(), logicalExpiresAt: 0, loadMicros: 0 }, stamps);
}

const two: TagStamp[] = [
  ['user:1', 'AAAAAAAAAAAA'],
  ['org', 'BBBBBBBBBBBB'],
];

describe('compareStamps', () => {
  it('Holds when the entry carries exactly these tags, in this order, with these tokens', () => {
    expect(compareStamps(entryWith(two), ['user:1', 'org'], ['AAAAAAAAAAAA', 'BBBBBBBBBBBB'])).toBe(StampMatch.Holds);
  });

  it('Stale when a token differs, is shorter, or is absent', () => {
    const entry = entryWith(two);
    expect(compareStamps(entry, ['user:1', 'org'], ['AAAAAAAAAAAA', 'BBBBBBBBBBBC'])).toBe(StampMatch.Stale);
    expect(compareStamps(entry, ['user:1', 'org'], ['AAAAAAAAAAA', 'BBBBBBBBBBBB'])).toBe(StampMatch.Stale);
    expect(compareStamps(entry, ['user:1', 'org'], ['AAAAAAAAAAAA', undefined])).toBe(StampMatch.Stale);
  });

  it('Other for other tags, another order, fewer or more tags, or an untagged entry', () => {
    const entry = entryWith(two);
    const tokens = ['AAAAAAAAAAAA', 'BBBBBBBBBBBB'];
    expect(compareStamps(entry, ['org', 'user:1'], tokens)).toBe(StampMatch.Other);
    expect(compareStamps(entry, ['user:1', 'orh'], tokens)).toBe(StampMatch.Other);
    expect(compareStamps(entry, ['user:1'], tokens)).toBe(StampMatch.Other);
    expect(compareStamps(entry, ['user:1', 'org', 'x'], [...tokens, 'C'])).toBe(StampMatch.Other);
    expect(compareStamps(entryWith([]), [], [])).toBe(StampMatch.Other);
  });

  it('Other for every damaged header, where parsing the stamps throws', () => {
    const entry = entryWith(two);
    const damaged = [
      Buffer.concat([entry.subarray(0, 26), Buffer.from([0xff]), entry.subarray(27)]), // tags field length past the header
      (() => {
        const copy = Buffer.from(entry);
        copy[27] = 3; // counts three stamps, holds two
        return copy;
      })(),
      (() => {
        const copy = Buffer.from(entry);
        copy[28] = 200; // a tag running past the field
        return copy;
      })(),
      (() => {
        const copy = Buffer.from(entry);
        copy.writeUInt16BE(copy.length + 1, 2); // header length past the entry
        return copy;
      })(),
    ];
    for (const bytes of damaged) {
      expect(() => readTagStamps(bytes)).toThrow(RangeError);
      expect(compareStamps(bytes, ['user:1', 'org'], ['AAAAAAAAAAAA', 'BBBBBBBBBBBB'])).toBe(StampMatch.Other);
    }
  });

  it('agrees with the parsed stamps on entries written with random tags and tokens', () => {
    const tag = (i: number): string => `t${i}`;
    for (let run = 0; run < 200; run++) {
      const stamps: TagStamp[] = Array.from({ length: 1 + (run % 4) }, (_, i) => [tag((run * 7 + i) % 5), `tok${(run + i) % 3}`] as const);
      const asked = run % 3 === 0 ? [...stamps].reverse().map(([t]) => t) : stamps.map(([t]) => t);
      const tokens = asked.map((_, i) => (run % 5 === 0 ? undefined : `tok${(run + i + (run % 2)) % 3}`));
      const entry = entryWith(stamps);
      const parsed = readTagStamps(entry)!;
      const sameTags = parsed.length === asked.length && parsed.every(([t], i) => t === asked[i]);
      const expected = !sameTags
        ? StampMatch.Other
        : parsed.every(([, token], i) => token === tokens[i])
          ? StampMatch.Holds
          : StampMatch.Stale;
      expect(compareStamps(entry, asked, tokens)).toBe(expected);
    }
  });
});
