/** The ids an entry's header records for its serializer and its compression (see entry/entry-format.ts). */

/** Who turned the value into bytes. Ids are stored in entries: never renumber one. */
export const SerializerId = { json: 0, msgpack: 1, custom: 15 } as const;
export type SerializerId = (typeof SerializerId)[keyof typeof SerializerId];

/** How the value bytes are compressed. Ids are stored in entries: never renumber one. */
/** 4 is kept for zstd (docs/guide/serialization.md says why it is not offered yet). */
export const CompressionId = { none: 0, gzip: 1, brotli: 2, lz4: 3, deflate: 5 } as const;
export type CompressionId = (typeof CompressionId)[keyof typeof CompressionId];
