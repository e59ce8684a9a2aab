/** The algorithms an entry can be compressed with (the names users configure). */
export type CompressionAlgorithm = 'deflate' | 'gzip' | 'brotli' | 'lz4';

/**
 * One compression algorithm, synchronous because entries are decoded on the hot path. `decompress` must refuse to
 * produce more than `decodedLength` bytes, the length the entry's header records (already checked against
 * `compression.maxDecodedBytes`): a payload written by something else may be a bomb, or its header may lie. Nothing it
 * allocates may be sized by that length alone: the header is as untrusted as the payload.
 */
export interface Compressor {
  readonly algorithm: CompressionAlgorithm;
  /** The id stored in entries (see entry-format.ts). */
  readonly id: number;
  compress(bytes: Uint8Array): Buffer;
  decompress(bytes: Uint8Array, decodedLength: number): Buffer;
}
