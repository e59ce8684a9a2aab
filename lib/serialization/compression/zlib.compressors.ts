import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { CompressionId } from '../../entry/entry-format.js';
import { DecompressedTooLargeError, type Compressor } from './compressor.js';

/** zlib throws this code when `maxOutputLength` is exceeded. */
const TOO_LARGE = 'ERR_BUFFER_TOO_LARGE';

/**
 * The default: raw deflate, level 6. No dependency; 4.6x smaller on a realistic 100 KB document and ~0.08 ms to
 * inflate it (bench/results.md). Raw: the entry header already records the codec and the decoded length.
 */
export const deflateCompressor: Compressor = {
  algorithm: 'deflate',
  id: CompressionId.deflate,
  compress: (bytes) => deflateRawSync(bytes, { level: 6 }),
  decompress: (bytes, decodedLength, maxBytes) =>
    // One output chunk of the recorded size (bounded) saves inflate growing its buffer.
    bounded(() => inflateRawSync(bytes, { maxOutputLength: maxBytes, chunkSize: chunkFor(decodedLength, maxBytes) }), maxBytes),
};

/** Same deflate with gzip's header and CRC-32: a little slower to read. */
export const gzipCompressor: Compressor = {
  algorithm: 'gzip',
  id: CompressionId.gzip,
  compress: (bytes) => gzipSync(bytes, { level: 6 }),
  decompress: (bytes, _decodedLength, maxBytes) => bounded(() => gunzipSync(bytes, { maxOutputLength: maxBytes }), maxBytes),
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
  decompress: (bytes, _decodedLength, maxBytes) => bounded(() => brotliDecompressSync(bytes, { maxOutputLength: maxBytes }), maxBytes),
};

function chunkFor(decodedLength: number, maxBytes: number): number {
  return Math.max(64, Math.min(decodedLength + 1, maxBytes, 16 * 1024 * 1024));
}

function bounded(decompress: () => Buffer, maxBytes: number): Buffer {
  try {
    return decompress();
  } catch (error) {
    if ((error as { code?: string }).code === TOO_LARGE) {
      throw new DecompressedTooLargeError(`decompresses to more than ${maxBytes} bytes`);
    }
    throw error;
  }
}
