import { packageRequire } from '../../peers/package-require.cjs';
import type { CompressionAlgorithm, Compressor } from './compressor.js';
import { lz4Compressor } from './native.compressors.js';
import { brotliCompressor, deflateCompressor, gzipCompressor } from './zlib.compressors.js';

export const COMPRESSION_ALGORITHMS: readonly CompressionAlgorithm[] = ['deflate', 'gzip', 'brotli', 'lz4'];

const loaded = new Map<CompressionAlgorithm, Compressor | undefined>();

/** The compressor for `algorithm`, or undefined when it needs an optional package that is not installed. */
export function compressorFor(algorithm: CompressionAlgorithm): Compressor | undefined {
  if (!loaded.has(algorithm)) loaded.set(algorithm, load(algorithm));
  return loaded.get(algorithm);
}

/** Every compressor available here, by the id entries record: what any namespace can read. */
export function loadedDecompressors(): ReadonlyMap<number, Compressor> {
  const byId = new Map<number, Compressor>();
  for (const algorithm of COMPRESSION_ALGORITHMS) {
    const compressor = compressorFor(algorithm);
    if (compressor !== undefined) byId.set(compressor.id, compressor);
  }
  return byId;
}

function load(algorithm: CompressionAlgorithm): Compressor | undefined {
  switch (algorithm) {
    case 'deflate':
      return deflateCompressor;
    case 'gzip':
      return gzipCompressor;
    case 'brotli':
      return brotliCompressor;
    case 'lz4':
      return lz4Compressor(packageRequire);
  }
}
