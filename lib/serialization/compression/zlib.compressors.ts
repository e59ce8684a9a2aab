import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { CompressionId } from '../format-ids.js';
import type { Compressor } from './compressor.js';

/**
 * The default: raw deflate, level 6. No dependency; 4.6x smaller on a realistic 100 KB document and ~0.08 ms to
 * inflate it (bench/results.md). Raw: the entry header already records the codec and the decoded length.
 */
export const deflateCompressor: Compressor = {
  algorithm: 'deflate',
  id: CompressionId.deflate,
  compress: (bytes) => deflateRawSync(bytes, { level: 6 }),
  // zlib's default output chunk (16 KiB): a chunk sized from the header's length would let a lying header allocate it.
  decompress: (bytes, decodedLength) => inflateRawSync(bytes, { maxOutputLength: outputBound(decodedLength) }),
};

/** Same deflate with gzip's header and CRC-32: a little slower to read. */
export const gzipCompressor: Compressor = {
  algorithm: 'gzip',
  id: CompressionId.gzip,
  compress: (bytes) => gzipSync(bytes, { level: 6 }),
  decompress: (bytes, decodedLength) => gunzipSync(bytes, { maxOutputLength: outputBound(decodedLength) }),
};

export const brotliCompressor: Compressor = {
  algorithm: 'brotli',
  id: CompressionId.brotli,
  compress: (bytes) =>
    brotliCompressSync(bytes, {
      params: {
        // Quality 4 is brotli's fast setting: most of its ratio at a fraction of the default 11's time.
        [constants.BROTLI_PARAM_QUALITY]: 4,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }),
  decompress: (bytes, decodedLength) => brotliDecompressSync(bytes, { maxOutputLength: outputBound(decodedLength) }),
};

/** zlib stops (ERR_BUFFER_TOO_LARGE) past the recorded length; it takes no bound below 1. */
function outputBound(decodedLength: number): number {
  return Math.max(1, decodedLength);
}
