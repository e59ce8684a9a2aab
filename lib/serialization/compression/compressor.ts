/** The algorithms an entry can be compressed with (the names users configure). */
export type CompressionAlgorithm = 'deflate' | 'gzip' | 'brotli' | 'lz4';

/**
 * One compression algorithm, synchronous because entries are decoded on the hot path. `decompress`
 * must refuse to produce more than `maxBytes` (a payload written by something else may be a bomb).
 */
export interface Compressor {
  readonly algorithm: CompressionAlgorithm;
  /** The id stored in entries (see entry-format.ts). */
  readonly id: number;
  compress(bytes: Uint8Array): Buffer;
  decompress(bytes: Uint8Array, decodedLength: number, maxBytes: number): Buffer;
}

/** Thrown when a payload would decompress beyond the allowed size. */
export class DecompressedTooLargeError extends RangeError {
  override readonly name = 'DecompressedTooLargeError';
}
