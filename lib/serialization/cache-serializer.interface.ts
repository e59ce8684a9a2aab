/**
 * Turns values into the bytes stored in an entry and back (pass your own as the `serializer` option).
 * `serialize` must throw on input it cannot keep faithfully; `deserialize` throws on bytes it cannot read.
 * Returning a string stores its UTF-8 bytes. Entries record that a custom serializer wrote them, so only
 * a namespace configured with a custom serializer reads them.
 */
export interface CacheSerializer {
  serialize(value: unknown): Uint8Array | string;
  deserialize(bytes: Buffer): unknown;
}
