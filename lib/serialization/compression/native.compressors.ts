import { CompressionId } from '../format-ids.js';
import type { Compressor } from './compressor.js';

/** lz4-napi's block API: the output is prefixed with its decompressed size (u32, little-endian). */
interface Lz4Napi {
  compressSync(data: Buffer): Buffer;
  uncompressSync(data: Uint8Array): Buffer;
}

/**
 * LZ4 through the optional package `lz4-napi` (binaries come as npm platform packages). Loaded on demand:
 * undefined when the package is not installed, and then entries compressed with it read as misses.
 */
export function lz4Compressor(require: NodeJS.Require): Compressor | undefined {
  let lz4: Lz4Napi;
  try {
    lz4 = require('lz4-napi') as Lz4Napi;
  } catch {
    return undefined;
  }
  return {
    algorithm: 'lz4',
    id: CompressionId.lz4,
    compress: (bytes) => lz4.compressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    decompress: (bytes, decodedLength) => {
      // The prefix is what the decoder allocates: it must be the header's length (already bounded), or one of them lies.
      if (bytes.byteLength < 4) throw new RangeError('the lz4 payload is shorter than its size prefix');
      const size = Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32LE(0);
      if (size !== decodedLength) throw new RangeError(`the lz4 size prefix (${size} bytes) is not the ${decodedLength} the header records`);
      return lz4.uncompressSync(bytes);
    },
  };
}
