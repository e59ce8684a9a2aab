import { SerializerId } from './format-ids.js';
import type { CacheSerializer } from './cache-serializer.interface.js';
import { JsonSerializer } from './json.serializer.js';
import type { MsgpackType } from './msgpack-safety.js';
import { MsgpackSerializer } from './msgpack.serializer.js';
import type { ValueSerializer } from './value-serializer.js';

const json: ValueSerializer = withId(new JsonSerializer(), 'json', SerializerId.json);
/** One msgpack serializer per set of allowed types (at most four), shared by the namespaces that allow the same. */
const msgpackByTypes = new Map<string, ValueSerializer>();

/** `msgpackTypes`: what the msgpack serializer stores and reads beyond plain data (ignored for JSON). */
export function serializerNamed(name: 'json' | 'msgpack', msgpackTypes: readonly MsgpackType[] = []): ValueSerializer {
  return name === 'json' ? json : msgpackAllowing(msgpackTypes);
}

export function customSerializer(serializer: CacheSerializer): ValueSerializer {
  return withId(serializer, 'custom', SerializerId.custom);
}

/**
 * The readers every namespace has, whatever it writes with: entries of either built-in serializer stay readable.
 * The msgpack reader refuses the types the namespace does not allow, as its writer would.
 */
export function builtInReaders(msgpackTypes: readonly MsgpackType[] = []): Map<number, ValueSerializer> {
  const msgpack = msgpackAllowing(msgpackTypes);
  return new Map([
    [json.id, json],
    [msgpack.id, msgpack],
  ]);
}

function msgpackAllowing(types: readonly MsgpackType[]): ValueSerializer {
  const key = [...new Set(types)].sort().join(',');
  let serializer = msgpackByTypes.get(key);
  if (serializer === undefined) {
    serializer = withId(new MsgpackSerializer(types), 'msgpack', SerializerId.msgpack);
    msgpackByTypes.set(key, serializer);
  }
  return serializer;
}

function withId(serializer: CacheSerializer, name: ValueSerializer['name'], id: number): ValueSerializer {
  return {
    name,
    id,
    serialize: (value) => serializer.serialize(value),
    deserialize: (bytes) => serializer.deserialize(bytes),
  };
}
