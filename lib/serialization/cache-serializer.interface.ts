/**
 * Turns values into the strings stored in Redis and back.
 * `serialize` must throw on input it cannot keep faithfully; `deserialize` throws on input it cannot read.
 */
export interface CacheSerializer {
  serialize(value: unknown): string;
  deserialize(raw: string): unknown;
}
