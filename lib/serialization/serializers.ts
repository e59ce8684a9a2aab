import { SerializerId } from '../entry/entry-format.js';
import type { CacheSerializer } from './cache-serializer.interface.js';
import { JsonSerializer } from './json.serializer.js';
import { MsgpackSerializer } from './msgpack.serializer.js';
import type { ValueSerializer } from './value-serializer.js';

const json: ValueSerializer = withId(new JsonSerializer(), 'json', SerializerId.json);
const msgpack: ValueSerializer = withId(new MsgpackSerializer(), 'msgpack', SerializerId.msgpack);

export function serializerNamed(name: 'json' | 'msgpack'): ValueSerializer {
  return name === 'json' ? json : msgpack;
}

export function customSerializer(serializer: CacheSerializer): ValueSerializer {
  return withId(serializer, 'custom', SerializerId.custom);
}

/** The readers every namespace has, whatever it writes with: entries of either built-in serializer stay readable. */
export function builtInReaders(): Map<number, ValueSerializer> {
  return new Map([
    [json.id, json],
    [msgpack.id, msgpack],
  ]);
}

function withId(serializer: CacheSerializer, name: ValueSerializer['name'], id: number): ValueSerializer {
  return {
    name,
    id,
    serialize: (value) => serializer.serialize(value),
    deserialize: (bytes) => serializer.deserialize(bytes),
  };
}
