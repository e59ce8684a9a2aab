import { Packr, Unpackr } from 'msgpackr';
import type { CacheSerializer } from './cache-serializer.interface.js';
import { assertMsgpackable } from './msgpack-safety.js';

/**
 * MessagePack through msgpackr: keeps Date, Map (any keys), Set, BigInt (any size), typed arrays, Buffer,
 * RegExp, NaN/±Infinity and `undefined` (in arrays and properties), and stores typical documents in about
 * half JSON's bytes. Refuses what it would change: functions, symbols, class instances, sparse arrays,
 * circular structures. -0 reads back as 0, as with JSON.
 *
 * Records stay on (they tell a Map from an object) and no structures are shared between entries, so every
 * entry is self-contained: any process reads it without having seen the writer.
 */
export class MsgpackSerializer implements CacheSerializer {
  private readonly packr = new Packr({
    moreTypes: true,
    useToJSON: false, // a toJSON shape would read back as something else
    // A second line of defence: msgpackr would otherwise write a function as undefined.
    writeFunction: (): never => {
      throw new TypeError('a function cannot be stored');
    },
  });
  // Not useRecords: false, nor msgpackr's standalone unpack(): those read a Map back as an object.
  private readonly unpackr = new Unpackr({ moreTypes: true });

  serialize(value: unknown): Uint8Array {
    assertMsgpackable(value);
    return this.packr.pack(value); // a view into msgpackr's buffer: the codec copies it into the entry at once
  }

  deserialize(bytes: Buffer): unknown {
    return this.unpackr.unpack(bytes);
  }
}
