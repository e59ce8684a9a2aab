import type { CacheSerializer } from './cache-serializer.interface.js';

/** The serializer names users configure; a CacheSerializer object is 'custom'. */
export type SerializerName = 'json' | 'msgpack' | 'custom';

/** A serializer with the id that entries record (see entry-format.ts). */
export interface ValueSerializer extends CacheSerializer {
  readonly name: SerializerName;
  readonly id: number;
}
