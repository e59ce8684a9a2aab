import { CompressionId, SerializerId } from '../serialization/format-ids.js';

// Re-exported: the header's flags hold these ids.
export { CompressionId, SerializerId };

/**
 * The bytes stored under a key (format version 1). Documented byte by byte in docs/design/entry-format.md;
 * keep the two in step. Every field is big-endian.
 *
 *   0   u8   marker: 0x80 | format version. 0x80–0xBF never start UTF-8 text, so an entry written
 *            by 0.1.0 (bare JSON text) is told apart by its first byte.
 *   1   u8   flags: bits 0–3 serializer id, bits 4–6 compression id, bit 7 reserved (0)
 *   2   u16  header length: where the value starts. Readers skip what they do not know up to it.
 *   4   u48  created at, ms since the epoch
 *   10  u48  logical expiry, ms since the epoch (0: none recorded)
 *   16  u32  load duration, µs (0: unknown or not loaded through read-through)
 *   20  u32  value length after decompression (the stored length when not compressed)
 *   24  ...  extension fields, each u8 type, u16 length, bytes; unknown types are skipped (1: tags, below)
 *   H   ...  the value: serialized, then compressed when the compression id is not 0
 */
export const FORMAT_VERSION = 1;
export const MARKER = 0x80 | FORMAT_VERSION;
export const FIXED_HEADER_BYTES = 24;

const MARKER_MASK = 0xc0;
const MARKER_BITS = 0x80;

/** What the header says of an entry, besides its value. */
export interface EntryMeta {
  /** ms since the epoch. */
  createdAt: number;
  /** ms since the epoch; 0 when none was recorded. */
  logicalExpiresAt: number;
  /** How long the loader took, in µs; 0 when unknown. */
  loadMicros: number;
}

export interface EntryFrame extends EntryMeta {
  serializer: number;
  compression: number;
  /** Length of the value once decompressed. */
  decodedLength: number;
  /** Offset of the value bytes in the entry. */
  valueOffset: number;
}

/** The three kinds of stored bytes a reader can meet. */
export const EntryKinds = {
  /** An entry in this format. */
  Current: 0,
  /** Bare serialized text written by 0.1.0. */
  Legacy: 1,
  /** A marker of a format version this build does not know (a newer one), or a truncated header. */
  Unknown: 2,
} as const;
export type EntryKind = (typeof EntryKinds)[keyof typeof EntryKinds];

export function entryKind(bytes: Uint8Array): EntryKind {
  const first = bytes[0];
  if (first === MARKER) return bytes.length >= FIXED_HEADER_BYTES ? EntryKinds.Current : EntryKinds.Unknown;
  return (first & MARKER_MASK) === MARKER_BITS ? EntryKinds.Unknown : EntryKinds.Legacy;
}

/** Extension field types. Ids are stored in entries: never renumber one. */
export const ExtensionType = { tags: 1 } as const;

/** A tag and the token it had when the entry's value was loaded. */
export type TagStamp = readonly [tag: string, token: string];

/**
 * The tags extension: u8 count, then per tag u8 length + tag (ASCII), u8 length + token (ASCII).
 * Tags and tokens are validated ASCII of at most 255 bytes before they get here.
 */
export function tagsExtension(stamps: readonly TagStamp[]): Buffer {
  let length = 1;
  for (const [tag, token] of stamps) length += 2 + tag.length + token.length;
  const field = Buffer.allocUnsafe(3 + length);
  field[0] = ExtensionType.tags;
  field.writeUInt16BE(length, 1);
  field[3] = stamps.length;
  let offset = 4;
  for (const [tag, token] of stamps) {
    field[offset] = tag.length;
    offset = 1 + offset + field.write(tag, offset + 1, 'latin1');
    field[offset] = token.length;
    offset = 1 + offset + field.write(token, offset + 1, 'latin1');
  }
  return field;
}

/**
 * The tag stamps of an entry in the current format; undefined when it has none. Throws RangeError on a damaged header
 * (a header length that does not fit, an extension field or a tags field that does not fit its length).
 */
export function readTagStamps(bytes: Buffer): TagStamp[] | undefined {
  const headerLength = fittingHeaderLength(bytes);
  if (headerLength === -1) throw new RangeError(`entry header length does not fit the entry (${bytes.length} bytes)`);
  const field = tagsField(bytes, headerLength);
  if (field === -1) return undefined;
  const stamps: TagStamp[] = [];
  let offset = field + 1;
  for (let i = 0; i < bytes[field]; i++) {
    const tagEnd = offset + 1 + bytes[offset];
    const tokenEnd = tagEnd + 1 + bytes[tagEnd];
    stamps.push([bytes.toString('latin1', offset + 1, tagEnd), bytes.toString('latin1', tagEnd + 1, tokenEnd)]);
    offset = tokenEnd;
  }
  return stamps;
}

/** How an entry's stamps compare with some tags and their current tokens (see compareStamps). */
export const StampMatch = {
  /** It carries exactly these tags, in this order, each with its current token: it may be served. */
  Holds: 0,
  /** It carries exactly these tags, in this order, and some token differs or is absent: an invalidated entry. */
  Stale: 1,
  /** Anything else (other tags, another order, no tags, a damaged header): judge it from its parsed stamps. */
  Other: 2,
} as const;
export type StampMatch = (typeof StampMatch)[keyof typeof StampMatch];

/**
 * Compares an entry's stamps with `tags` and their `tokens` byte by byte, building no string: the tagged read's hot
 * path, where the tags read with the entry are the ones it carries. Tags and tokens are ASCII (latin1 as stored).
 */
export function compareStamps(bytes: Buffer, tags: readonly string[], tokens: ReadonlyArray<string | undefined>): StampMatch {
  const headerLength = fittingHeaderLength(bytes);
  if (headerLength === -1) return StampMatch.Other;
  let field: number;
  try {
    field = tagsField(bytes, headerLength);
  } catch {
    return StampMatch.Other;
  }
  if (field === -1 || bytes[field] !== tags.length) return StampMatch.Other;
  let stale = false;
  let offset = field + 1;
  for (let i = 0; i < tags.length; i++) {
    const tagEnd = offset + 1 + bytes[offset];
    const tokenEnd = tagEnd + 1 + bytes[tagEnd];
    if (!bytesEqual(bytes, offset + 1, tagEnd, tags[i])) return StampMatch.Other;
    const token = tokens[i];
    if (token === undefined || !bytesEqual(bytes, tagEnd + 1, tokenEnd, token)) stale = true;
    offset = tokenEnd;
  }
  return stale ? StampMatch.Stale : StampMatch.Holds;
}

/** Whether bytes[start, end) read as latin1 equal `text`. */
function bytesEqual(bytes: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Walks the extension fields between the fixed header and `headerLength`: each must fit, and together they fill the
 * space exactly (a writer leaves no gap); a tags field must hold exactly the stamps it counts. Returns where the (last)
 * tags field's bytes start (its count), or -1 when there is none. Throws RangeError on anything that does not fit.
 */
function tagsField(bytes: Buffer, headerLength: number): number {
  let field = -1;
  let offset = FIXED_HEADER_BYTES;
  while (offset < headerLength) {
    if (offset + 3 > headerLength) throw new RangeError('an extension field header runs past the header');
    const type = bytes[offset];
    const start = offset + 3;
    const end = start + bytes.readUInt16BE(offset + 1);
    if (end > headerLength) throw new RangeError('an extension field runs past the header');
    if (type === ExtensionType.tags) {
      checkTags(bytes, start, end);
      field = start;
    }
    offset = end;
  }
  return field;
}

/** The tags field: every length is checked against the field before it is used, and the stamps fill it exactly. */
function checkTags(bytes: Buffer, start: number, end: number): void {
  if (start >= end) throw new RangeError('the tags extension is empty');
  let offset = start + 1;
  for (let i = 0; i < bytes[start]; i++) {
    if (offset >= end) throw new RangeError('the tags extension holds fewer tags than it counts');
    const tagEnd = offset + 1 + bytes[offset];
    if (tagEnd >= end) throw new RangeError('a tag runs past the tags extension');
    const tokenEnd = tagEnd + 1 + bytes[tagEnd];
    if (tokenEnd > end) throw new RangeError('a tag token runs past the tags extension');
    offset = tokenEnd;
  }
  if (offset !== end) throw new RangeError('the tags extension is longer than the tags it counts');
}

/**
 * The header length of an entry in the current format whose header fits its bytes; -1 for anything else (legacy,
 * unknown, or a damaged header, which only the decoder may judge: it counts and removes it).
 */
function fittingHeaderLength(bytes: Uint8Array): number {
  if (bytes[0] !== MARKER || bytes.length < FIXED_HEADER_BYTES) return -1;
  const headerLength = (bytes[2] << 8) | bytes[3];
  return headerLength >= FIXED_HEADER_BYTES && headerLength <= bytes.length ? headerLength : -1;
}

/**
 * Whether an entry in the current format has extension fields (tags): only those need reading past the fixed header.
 * False for a damaged header length, so the entry goes to the decoder (which counts and removes it) rather than to the
 * tag checks.
 */
export function hasExtensions(bytes: Uint8Array): boolean {
  return fittingHeaderLength(bytes) > FIXED_HEADER_BYTES;
}

/**
 * Whether an entry is the common kind, decoded without reading the header further: no extensions, not compressed,
 * and exactly as long as its header records. Call on an entry of kind Current.
 */
export function isBareEntry(bytes: Buffer): boolean {
  return (
    (bytes[1] & 0x70) === 0 && bytes.readUInt16BE(2) === FIXED_HEADER_BYTES && bytes.readUInt32BE(20) === bytes.length - FIXED_HEADER_BYTES
  );
}

/** Allocates an entry with room for `valueLength` value bytes after the header (and extensions), and writes the header. */
export function allocateEntry(
  serializer: number,
  compression: number,
  meta: EntryMeta,
  valueLength: number,
  decodedLength: number,
  extensions?: Buffer,
): { entry: Buffer; valueOffset: number } {
  const headerLength = FIXED_HEADER_BYTES + (extensions?.length ?? 0);
  const entry = Buffer.allocUnsafe(headerLength + valueLength);
  entry[0] = MARKER;
  entry[1] = (serializer & 0x0f) | ((compression & 0x07) << 4);
  entry.writeUInt16BE(headerLength, 2);
  extensions?.copy(entry, FIXED_HEADER_BYTES);
  entry.writeUIntBE(meta.createdAt, 4, 6);
  entry.writeUIntBE(meta.logicalExpiresAt, 10, 6);
  entry.writeUInt32BE(Math.min(meta.loadMicros, 0xffffffff), 16);
  entry.writeUInt32BE(decodedLength, 20);
  return { entry, valueOffset: headerLength };
}

/** Bytes compression saved on an entry: its value's decompressed length minus its stored length (0 when not compressed). */
export function compressionSavings(entry: Buffer): number {
  if (entry[0] !== MARKER || entry.length < FIXED_HEADER_BYTES || (entry[1] & 0x70) === 0) return 0;
  return entry.readUInt32BE(20) - (entry.length - entry.readUInt16BE(2));
}

/**
 * Reads the header of an entry of kind Current, checking every length before it is used: the header length against
 * the entry, each extension field against the header, and an uncompressed value's length against the decoded length
 * recorded. Throws RangeError on a header that does not add up.
 */
export function readFrame(bytes: Buffer): EntryFrame {
  const flags = bytes[1];
  const valueOffset = fittingHeaderLength(bytes);
  if (valueOffset === -1) {
    throw new RangeError(`entry header length ${bytes.readUInt16BE(2)} does not fit the entry (${bytes.length} bytes)`);
  }
  if (valueOffset > FIXED_HEADER_BYTES) tagsField(bytes, valueOffset); // checked, not parsed: the tag checks read the stamps
  const compression = (flags >> 4) & 0x07;
  const decodedLength = bytes.readUInt32BE(20);
  if (compression === CompressionId.none && decodedLength !== bytes.length - valueOffset) {
    throw new RangeError(`entry value is ${bytes.length - valueOffset} bytes, not the ${decodedLength} its header records`);
  }
  return {
    serializer: flags & 0x0f,
    compression,
    createdAt: bytes.readUIntBE(4, 6),
    logicalExpiresAt: bytes.readUIntBE(10, 6),
    loadMicros: bytes.readUInt32BE(16),
    decodedLength,
    valueOffset,
  };
}

/**
 * The logical expiry (ms since the epoch) an entry in the current format records; 0 for none, a legacy or unknown
 * entry, or a damaged header (left for the decoder to count and remove, rather than missed unseen as expired).
 */
export function logicalExpiryOf(bytes: Buffer): number {
  return fittingHeaderLength(bytes) === -1 ? 0 : bytes.readUIntBE(10, 6);
}

/** How long the last load of an entry in the current format took, in µs; 0 when unknown. */
export function loadMicrosOf(bytes: Buffer): number {
  return fittingHeaderLength(bytes) === -1 ? 0 : bytes.readUInt32BE(16);
}

/**
 * The header of an entry (fixed fields and extensions: creation time, expiry, load time, length, tag stamps): what a
 * conditional write compares to tell "the entry a refresh replaces" from any later write of the key.
 */
export function headerOf(bytes: Buffer): Buffer {
  if (bytes[0] !== MARKER || bytes.length < FIXED_HEADER_BYTES) return bytes;
  return bytes.subarray(0, Math.min(bytes.length, Math.max(FIXED_HEADER_BYTES, bytes.readUInt16BE(2))));
}

/** Whether stored bytes start with `prefix` (a header, a lease): what every conditional write and check compares. */
export function startsWithBytes(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);
}
