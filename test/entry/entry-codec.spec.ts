import { gzipSync } from 'node:zlib';
import { EntryCodec } from '../../lib/entry/entry-codec.js';
import { EntryError } from '../../lib/entry/entry-error.js';
import { MARKER } from '../../lib/entry/entry-format.js';
import type { CompressionOption, SerializerOption } from '../../lib/options/cache-options.js';
import { resolveEncoding } from '../../lib/options/resolve-encoding.js';
import { COMPRESSION_ALGORITHMS, compressorFor } from '../../lib/serialization/compression/compressors.js';

const META = { createdAt: Date.UTC(2026, 10, 25, 12), logicalExpiresAt: Date.UTC(2026, 10, 25, 13), loadMicros: 12_345 };

function codec(serializer: SerializerOption = 'json', compression: CompressionOption = false, maxValueBytes = 5 * 1024 * 1024): EntryCodec {
  return new EntryCodec(resolveEncoding(serializer, compression, maxValueBytes, 'option '));
}

function reasonOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof EntryError) return error.reason;
    throw error;
  }
  return undefined;
}

/** A document of realistic shape: repeated field names, nested objects, varied values. */
function document(items: number): unknown {
  return {
    page: 1,
    items: Array.from({ length: items }, (_, i) => ({
      id: i,
      sku: `SKU-${(i * 7919) % 100_000}`,
      name: `Product ${i}`,
      price: Math.round(((i * 37) % 1000) * 1.07 * 100) / 100,
      tags: ['blue', 'sale', 'new'].slice(0, i % 4),
      stock: { warehouse: `W${i % 5}`, count: (i * 13) % 97, updatedAt: new Date(Date.UTC(2026, 0, 1 + (i % 28))).toISOString() },
    })),
  };
}

describe('EntryCodec', () => {
  it('writes the documented header: marker, flags, header length, times, load duration, decoded length', () => {
    const entry = codec().encode({ a: 1 }, META);
    const text = '{"a":1}';
    expect(entry[0]).toBe(MARKER);
    expect(entry[0]).toBe(0x81);
    expect(entry[1]).toBe(0); // json, uncompressed
    expect(entry.readUInt16BE(2)).toBe(24);
    expect(entry.readUIntBE(4, 6)).toBe(META.createdAt);
    expect(entry.readUIntBE(10, 6)).toBe(META.logicalExpiresAt);
    expect(entry.readUInt32BE(16)).toBe(META.loadMicros);
    expect(entry.readUInt32BE(20)).toBe(text.length);
    expect(entry.subarray(24).toString()).toBe(text);
    expect(codec().meta(entry)).toEqual(META);
  });

  it.each([
    ['a string', 'text é☃'],
    ['a number', 42.5],
    ['null', null],
    ['false', false],
    ['a nested document', document(20)],
  ])('round-trips %s through JSON and msgpack', (_label, value) => {
    expect(codec('json').decode(codec('json').encode(value, META))).toEqual(value);
    expect(codec('msgpack').decode(codec('msgpack').encode(value, META))).toEqual(value);
  });

  it('reads a bare JSON entry written by 0.1.0', () => {
    expect(codec().decode(Buffer.from('{"legacy":[1,"two",null]}'))).toEqual({ legacy: [1, 'two', null] });
    expect(codec('msgpack').decode(Buffer.from('"still json"'))).toBe('still json');
    expect(codec().meta(Buffer.from('{"legacy":true}'))).toBeUndefined();
  });

  it('reads a legacy entry with the namespace’s custom serializer, as 0.1.0 wrote it', () => {
    const reversed = {
      serialize: (value: unknown) => [...String(value)].reverse().join(''),
      deserialize: (bytes: Buffer) => [...bytes.toString()].reverse().join(''),
    };
    expect(codec(reversed).decode(Buffer.from('cba'))).toBe('abc');
  });

  it('calls a format version it does not know an unknown format, and a truncated header too', () => {
    const newer = codec().encode('x', META);
    newer[0] = 0x82;
    expect(reasonOf(() => codec().decode(newer))).toBe('unknown_format');
    expect(reasonOf(() => codec().decode(Buffer.from([0x81, 0, 0, 24])))).toBe('unknown_format');
  });

  it('calls undecodable bytes corrupt', () => {
    expect(reasonOf(() => codec().decode(Buffer.from('{"truncated":')))).toBe('corrupt');
    const entry = codec().encode({ a: 1 }, META);
    expect(reasonOf(() => codec().decode(entry.subarray(0, entry.length - 2)))).toBe('corrupt');
    const lying = Buffer.from(entry);
    lying.writeUInt16BE(entry.length + 10, 2); // a header length past the end
    expect(reasonOf(() => codec().decode(lying))).toBe('corrupt');
    expect(reasonOf(() => codec().decode(Buffer.alloc(0)))).toBe('corrupt');
  });

  it('reads entries of the other built-in serializer (a namespace moving between them has no flag day)', () => {
    const value = { at: '2026-01-01', n: [1, 2, 3] };
    expect(codec('json').decode(codec('msgpack').encode(value, META))).toEqual(value);
    expect(codec('msgpack').decode(codec('json').encode(value, META))).toEqual(value);
  });

  it('marks custom-serializer entries, which a namespace without that serializer does not read', () => {
    const custom = {
      serialize: (value: unknown) => `custom:${JSON.stringify(value)}`,
      deserialize: (bytes: Buffer) => JSON.parse(bytes.toString().slice(7)),
    };
    const entry = codec(custom).encode({ a: 1 }, META);
    expect(entry[1] & 0x0f).toBe(15);
    expect(codec(custom).decode(entry)).toEqual({ a: 1 });
    expect(reasonOf(() => codec('json').decode(entry))).toBe('unknown_format');
  });

  it('refuses a serializer that returns neither bytes nor a string', () => {
    const broken = { serialize: () => 42 as unknown as string, deserialize: () => 1 };
    expect(reasonOf(() => codec(broken).encode('x', META))).toBe('serialization');
  });

  describe.each(COMPRESSION_ALGORITHMS.filter((algorithm) => compressorFor(algorithm) !== undefined))(
    'compression with %s',
    (algorithm) => {
      const big = document(400);
      const compressing = () => codec('json', { algorithm, threshold: 1024 });

      it('compresses a value from the threshold on, records it in the flags, and reads it back', () => {
        const entry = compressing().encode(big, META);
        const plain = codec().encode(big, META);
        expect(entry[1] >> 4).toBe(compressorFor(algorithm)!.id);
        expect(entry.length).toBeLessThan(plain.length / 3);
        expect(entry.readUInt32BE(20)).toBe(plain.length - 24);
        expect(compressing().decode(entry)).toEqual(big);
        // Mixed settings coexist: a namespace that does not compress still reads it.
        expect(codec('json', false).decode(entry)).toEqual(big);
        expect(codec('msgpack', false).decode(entry)).toEqual(big);
      });

      it('leaves a value under the threshold uncompressed', () => {
        const entry = compressing().encode({ small: 'value' }, META);
        expect(entry[1]).toBe(0);
        expect(compressing().decode(entry)).toEqual({ small: 'value' });
      });

      it('compresses msgpack bytes too', () => {
        const entry = codec('msgpack', { algorithm, threshold: 1024 }).encode(big, META);
        expect(entry[1] & 0x0f).toBe(1);
        expect(entry[1] >> 4).toBe(compressorFor(algorithm)!.id);
        expect(codec('json').decode(entry)).toEqual(big);
      });
    },
  );

  it('applies maxValueBytes to the stored (compressed) size and names both sizes', () => {
    const big = document(400);
    const serialized = Buffer.byteLength(JSON.stringify(big));
    const compressed = codec('json', { algorithm: 'gzip' }).encode(big, META).length - 24;
    expect(
      codec('json', { algorithm: 'gzip' }, compressed).decode(codec('json', { algorithm: 'gzip' }, compressed).encode(big, META)),
    ).toEqual(big);
    let message = '';
    try {
      codec('json', { algorithm: 'gzip' }, compressed - 1).encode(big, META);
    } catch (error) {
      expect((error as EntryError).reason).toBe('too_large');
      message = (error as Error).message;
    }
    expect(message).toContain(`${compressed} bytes compressed with gzip`);
    expect(message).toContain(`${serialized} bytes serialized`);
    expect(message).toContain(`maxValueBytes (${compressed - 1})`);
    expect(reasonOf(() => codec('json', false, serialized - 1).encode(big, META))).toBe('too_large');
  });

  it('treats a payload whose header says it decompresses beyond maxDecodedBytes as too large, and one whose header lies as corrupt', () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)); // 2 MiB of spaces in ~2 KiB
    const header = codec().encode('x', META).subarray(0, 24);
    header[1] = 0x10; // json, gzip
    const reader = codec('json', { maxDecodedBytes: 1024 * 1024 });
    const honest = Buffer.concat([header, bomb]);
    honest.writeUInt32BE(2 * 1024 * 1024, 20);
    expect(reasonOf(() => reader.decode(honest))).toBe('too_large');
    const lying = Buffer.from(honest);
    lying.writeUInt32BE(10, 20); // inflating stops past 10 bytes
    expect(reasonOf(() => reader.decode(lying))).toBe('corrupt');
    const short = Buffer.concat([header, gzipSync(Buffer.from('"x"'))]);
    short.writeUInt32BE(1000, 20); // inflates to 3 bytes, not 1000
    expect(reasonOf(() => reader.decode(short))).toBe('corrupt');
  });

  it.each(COMPRESSION_ALGORITHMS.filter((algorithm) => algorithm !== 'lz4'))(
    '%s output is not sized by the decoded length a header claims: a 7-byte value keeps no buffer over 64 KiB',
    (algorithm) => {
      const compressor = compressorFor(algorithm)!;
      const output = compressor.decompress(compressor.compress(Buffer.from('"hello"')), 64 * 1024 * 1024 - 1);
      expect(output.toString()).toBe('"hello"');
      expect(output.buffer.byteLength).toBeLessThanOrEqual(64 * 1024);
    },
  );

  it('reads only a header whose lengths add up: header length, extension fields, tags, decoded length', () => {
    const tagged = codec().encode({ a: 1 }, META, [
      ['color', 'tok1'],
      ['size', 'tok2'],
    ]);
    expect(codec().decode(tagged)).toEqual({ a: 1 });
    expect(codec().stamps(tagged)).toEqual([
      ['color', 'tok1'],
      ['size', 'tok2'],
    ]);
    const damage = (edit: (entry: Buffer) => void): Buffer => {
      const entry = Buffer.from(tagged);
      edit(entry);
      return entry;
    };
    const damaged = [
      damage((entry) => entry.writeUInt16BE(23, 2)), // header length below the fixed header
      damage((entry) => entry.writeUInt16BE(entry.readUInt16BE(2) - 1, 2)), // cuts the tags field
      damage((entry) => entry.writeUInt16BE(entry.readUInt16BE(25) + 1, 25)), // tags field longer than the header
      damage((entry) => (entry[27] = 3)), // counts three tags, holds two
      damage((entry) => (entry[27] = 1)), // counts one tag, holds two
      damage((entry) => (entry[28] = 60)), // the first tag's length runs past the field
      damage((entry) => entry.writeUInt32BE(entry.readUInt32BE(20) + 1, 20)), // decoded length is not the value's
    ];
    for (const entry of damaged) expect(reasonOf(() => codec().decode(entry))).toBe('corrupt');
    for (const entry of damaged.slice(1, 6)) expect(reasonOf(() => codec().stamps(entry))).toBe('corrupt');
    const unknownField = Buffer.concat([tagged.subarray(0, 24), Buffer.from([9, 0, 2, 7, 7]), tagged.subarray(24)]);
    unknownField.writeUInt16BE(tagged.readUInt16BE(2) + 5, 2);
    expect(codec().decode(unknownField)).toEqual({ a: 1 }); // an extension type this version does not know is skipped
  });
});
