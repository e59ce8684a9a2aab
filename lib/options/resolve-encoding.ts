import type { EntryCodecSettings } from '../entry/entry-codec.js';
import type { CompressionAlgorithm } from '../serialization/compression/compressor.js';
import { COMPRESSION_ALGORITHMS, compressorFor, loadedDecompressors } from '../serialization/compression/compressors.js';
import { MSGPACK_TYPES, type MsgpackType } from '../serialization/msgpack-safety.js';
import { builtInReaders, customSerializer, serializerNamed } from '../serialization/serializers.js';
import type { CompressionOption, SerializerOption } from './cache-options.js';
import { CACHE_DEFAULTS } from './defaults.js';
import { configError } from './option-checks.js';

const DEFAULT_COMPRESSION = CACHE_DEFAULTS.entries.compression;

/** Names a setting in an error: `serializer` → `option "entries.serializer"`. */
export type SettingNamer = (setting: string) => string;

/**
 * The codec settings of one namespace, validated. `where` names the option in errors: a prefix (`'option '` gives
 * `option "serializer"`) or a namer.
 */
export function resolveEncoding(
  serializerOption: SerializerOption | undefined,
  compressionOption: CompressionOption | undefined,
  maxValueBytes: number,
  prefix: string | SettingNamer,
  msgpackTypesOption: unknown = CACHE_DEFAULTS.entries.msgpackTypes,
): EntryCodecSettings {
  const where: SettingNamer = typeof prefix === 'string' ? (setting) => `${prefix}"${setting}"` : prefix;
  const msgpackTypes = resolveMsgpackTypes(msgpackTypesOption, where);
  const serializer = resolveSerializer(serializerOption ?? CACHE_DEFAULTS.entries.serializer, msgpackTypes, where);
  const readers = builtInReaders(msgpackTypes);
  if (serializer.name === 'custom') readers.set(serializer.id, serializer);
  const compression = resolveCompression(compressionOption, where);
  return {
    serializer,
    readers,
    // 0.1.0 stored bare text from the configured serializer, which was JSON unless a custom one was given.
    legacyReader: serializer.name === 'custom' ? serializer : readers.get(0)!,
    compression: compression.writes,
    decompressors: loadedDecompressors(),
    maxValueBytes,
    maxDecodedBytes: compression.maxDecodedBytes,
  };
}

function resolveSerializer(option: SerializerOption, msgpackTypes: readonly MsgpackType[], where: SettingNamer) {
  if (option === 'json' || option === 'msgpack') return serializerNamed(option, msgpackTypes);
  if (option !== null && typeof option === 'object' && typeof option.serialize === 'function' && typeof option.deserialize === 'function') {
    return customSerializer(option);
  }
  throw configError(`${where('serializer')} must be 'json', 'msgpack' or an object with serialize(value) and deserialize(bytes), got ${describe(option)}`);
}

function resolveCompression(
  option: CompressionOption | undefined,
  where: SettingNamer,
): { writes: EntryCodecSettings['compression']; maxDecodedBytes: number } {
  if (option === false) return { writes: undefined, maxDecodedBytes: DEFAULT_COMPRESSION.maxDecodedBytes };
  if (option !== undefined && (option === null || typeof option !== 'object')) {
    throw configError(`${where('compression')} must be false or { threshold?, algorithm?, maxDecodedBytes? }, got ${describe(option)}`);
  }
  const threshold = option?.threshold ?? DEFAULT_COMPRESSION.threshold;
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw configError(`${where('compression.threshold')} must be a whole number of bytes (0 or more), got ${describe(threshold)}`);
  }
  const maxDecodedBytes = option?.maxDecodedBytes ?? DEFAULT_COMPRESSION.maxDecodedBytes;
  if (!Number.isInteger(maxDecodedBytes) || maxDecodedBytes < 1) {
    throw configError(`${where('compression.maxDecodedBytes')} must be a positive integer, got ${describe(maxDecodedBytes)}`);
  }
  const algorithm: CompressionAlgorithm = option?.algorithm ?? DEFAULT_COMPRESSION.algorithm;
  if (!COMPRESSION_ALGORITHMS.includes(algorithm)) {
    throw configError(`${where('compression.algorithm')} must be one of ${COMPRESSION_ALGORITHMS.map((name) => `'${name}'`).join(', ')}, got ${describe(algorithm)}`);
  }
  const compressor = compressorFor(algorithm);
  if (compressor === undefined) throw configError(missingPackage(where, algorithm));
  return { writes: { compressor, thresholdBytes: threshold }, maxDecodedBytes };
}

function resolveMsgpackTypes(option: unknown, where: SettingNamer): MsgpackType[] {
  if (Array.isArray(option) && option.every((type) => MSGPACK_TYPES.includes(type as MsgpackType))) return option as MsgpackType[];
  const known = MSGPACK_TYPES.map((type) => `'${type}'`).join(', ');
  throw configError(`${where('msgpackTypes')} must be an array of ${known} (or empty), got ${JSON.stringify(option) ?? String(option)}`);
}

function missingPackage(where: SettingNamer, algorithm: CompressionAlgorithm): string {
  return `${where('compression.algorithm')} '${algorithm}' needs the optional package lz4-napi, which is not installed: npm install lz4-napi`;
}

function describe(value: unknown): string {
  return typeof value === 'object' && value !== null ? 'an object without them' : JSON.stringify(value) ?? String(value);
}
