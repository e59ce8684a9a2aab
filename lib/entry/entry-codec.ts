import type { Compressor } from '../serialization/compression/compressor.js';
import type { ValueSerializer } from '../serialization/value-serializer.js';
import { EntryError } from './entry-error.js';
import {
  allocateEntry,
  CompressionId,
  entryKind,
  EntryKinds,
  FIXED_HEADER_BYTES,
  hasExtensions,
  isBareEntry,
  readFrame,
  readTagStamps,
  SerializerId,
  tagsExtension,
  type EntryMeta,
  type TagStamp,
} from './entry-format.js';

export interface EntryCodecSettings {
  /** Writes new entries. */
  serializer: ValueSerializer;
  /** Reads entries by the serializer id they record (json, msgpack, and the custom one if configured). */
  readers: ReadonlyMap<number, ValueSerializer>;
  /** Reads bare entries written by 0.1.0 (the namespace's custom serializer, else JSON). */
  legacyReader: ValueSerializer;
  /** Compresses values whose serialized size reaches `thresholdBytes`; undefined: never. */
  compression?: { compressor: Compressor; thresholdBytes: number };
  /** Decompresses entries by the compression id they record. */
  decompressors: ReadonlyMap<number, Compressor>;
  /** Largest entry a write may store (after compression). */
  maxValueBytes: number;
  /** Largest value a read may decompress; also caps what a write serializes, so nothing written is unreadable. */
  maxDecodedBytes: number;
}

/**
 * Values to entries (header + serialized, maybe compressed value) and back. Pure: it throws EntryError
 * and leaves counting, logging and removing bad entries to its caller.
 */
export class EntryCodec {
  private readonly json?: ValueSerializer;

  constructor(private readonly settings: EntryCodecSettings) {
    this.json = settings.readers.get(SerializerId.json);
  }

  get serializerName(): string {
    return this.settings.serializer.name;
  }

  /** `stamps`: the tags the value carries, with the tokens they had before it was loaded. */
  encode(value: unknown, meta: EntryMeta, stamps?: readonly TagStamp[]): Buffer {
    const extensions = stamps === undefined || stamps.length === 0 ? undefined : tagsExtension(stamps);
    const { serializer } = this.settings;
    let serialized: Uint8Array | string;
    try {
      serialized = serializer.serialize(value);
    } catch (error) {
      throw new EntryError('serialization', `value cannot be stored: ${(error as Error).message}`, { cause: error });
    }
    if (typeof serialized !== 'string' && !(serialized instanceof Uint8Array)) {
      throw new EntryError('serialization', `the ${serializer.name} serializer returned ${typeof serialized}, not bytes or a string`);
    }
    const { compression } = this.settings;
    // The common case (text under the threshold) writes the text straight after the header: one copy.
    if (typeof serialized === 'string' && (compression === undefined || serialized.length < compression.thresholdBytes / 3)) {
      const length = Buffer.byteLength(serialized);
      if (compression === undefined || length < compression.thresholdBytes) {
        this.assertSizes(length, length, undefined);
        const { entry, valueOffset } = allocateEntry(serializer.id, CompressionId.none, meta, length, length, extensions);
        entry.write(serialized, valueOffset);
        return entry;
      }
    }
    const bytes = typeof serialized === 'string' ? Buffer.from(serialized) : serialized;
    let stored: Uint8Array = bytes;
    let compressionId: number = CompressionId.none;
    if (compression !== undefined && bytes.byteLength >= compression.thresholdBytes) {
      const compressed = compression.compressor.compress(bytes);
      if (compressed.byteLength < bytes.byteLength) {
        stored = compressed;
        compressionId = compression.compressor.id;
      }
    }
    this.assertSizes(bytes.byteLength, stored.byteLength, compressionId === CompressionId.none ? undefined : compression?.compressor);
    const { entry, valueOffset } = allocateEntry(serializer.id, compressionId, meta, stored.byteLength, bytes.byteLength, extensions);
    entry.set(stored, valueOffset);
    return entry;
  }

  /**
   * The value an entry holds. Throws EntryError (corrupt, unknown_format, too_large) when it cannot be read: a header
   * whose lengths do not add up, or a value its serializer would have refused to write, is corrupt.
   */
  decode(bytes: Buffer): unknown {
    try {
      switch (entryKind(bytes)) {
        case EntryKinds.Current:
          // The usual entry (JSON, uncompressed, no extensions) skips the header objects: this is the hot path.
          if (bytes[1] === 0 && this.json !== undefined && isBareEntry(bytes)) return this.json.deserialize(bytes.subarray(FIXED_HEADER_BYTES));
          return this.decodeFramed(bytes);
        case EntryKinds.Legacy:
          return this.settings.legacyReader.deserialize(bytes);
        default:
          throw new EntryError('unknown_format', `entry format marker 0x${bytes[0]?.toString(16)} is not one this version reads`);
      }
    } catch (error) {
      if (error instanceof EntryError) throw error;
      throw new EntryError('corrupt', `entry could not be decoded: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * The tag stamps an entry carries; undefined for an untagged, legacy or unknown entry.
   * Throws EntryError (corrupt) on a damaged tags field.
   */
  stamps(bytes: Buffer): TagStamp[] | undefined {
    if (!hasExtensions(bytes)) return undefined;
    try {
      return readTagStamps(bytes);
    } catch (error) {
      throw new EntryError('corrupt', `entry header could not be read: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The header fields of an entry in the current format; undefined for a legacy or unknown one. */
  meta(bytes: Buffer): EntryMeta | undefined {
    if (entryKind(bytes) !== EntryKinds.Current) return undefined;
    const { createdAt, logicalExpiresAt, loadMicros } = readFrame(bytes);
    return { createdAt, logicalExpiresAt, loadMicros };
  }

  private decodeFramed(bytes: Buffer): unknown {
    const frame = readFrame(bytes);
    const reader = this.settings.readers.get(frame.serializer);
    if (reader === undefined) {
      throw new EntryError('unknown_format', `entry was written by serializer id ${frame.serializer}, which this namespace does not read`);
    }
    let value = bytes.subarray(frame.valueOffset);
    if (frame.compression !== CompressionId.none) {
      const decompressor = this.settings.decompressors.get(frame.compression);
      if (decompressor === undefined) {
        throw new EntryError('unknown_format', `entry is compressed with id ${frame.compression}, which is not available here`);
      }
      const { maxDecodedBytes } = this.settings;
      if (frame.decodedLength > maxDecodedBytes) {
        throw new EntryError('too_large', `entry would decompress to ${frame.decodedLength} bytes, over ${maxDecodedBytes}`);
      }
      // The header could lie either way: the decompressor stops past its length, and a shorter output is caught here
      // (l1's maxBytes counts what the header says, so it must be what decompressing gave).
      value = decompressor.decompress(value, frame.decodedLength);
      if (value.length !== frame.decodedLength) {
        throw new EntryError('corrupt', `entry decompresses to ${value.length} bytes, not the ${frame.decodedLength} its header records`);
      }
    }
    return reader.deserialize(reader === this.json ? value : compacted(value)); // JSON keeps no view of its input
  }

  private assertSizes(serializedBytes: number, storedBytes: number, compressor: Compressor | undefined): void {
    const { maxValueBytes, maxDecodedBytes } = this.settings;
    if (storedBytes > maxValueBytes) {
      const sizes =
        compressor === undefined
          ? `${storedBytes} bytes`
          : `${storedBytes} bytes compressed with ${compressor.algorithm} (${serializedBytes} bytes serialized)`;
      throw new EntryError('too_large', `value is ${sizes}, over maxValueBytes (${maxValueBytes})`);
    }
    if (serializedBytes > maxDecodedBytes) {
      throw new EntryError('too_large', `value is ${serializedBytes} bytes serialized, over compression.maxDecodedBytes (${maxDecodedBytes})`);
    }
  }
}

/**
 * The value bytes on their own when they are a small view into a much larger buffer (an output chunk of the
 * decompressor, a socket read holding other replies): msgpack's Buffers are views into what it reads, and a 41-byte
 * Buffer kept in l1 would keep the whole chunk alive with it.
 */
function compacted(bytes: Buffer): Buffer {
  if (bytes.buffer.byteLength <= 2 * bytes.length + 64) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length); // not from the shared pool: a pooled copy would pin an 8 KiB slab
  bytes.copy(copy);
  return copy;
}

/** Which replies of a batch read to keep: given the position in the batch and the entry as read. */
export type KeepReplies = (index: number, bytes: Buffer | null | undefined, value: unknown) => boolean;
