import { Packr, Unpackr } from 'msgpackr';
import type { CacheSerializer } from './cache-serializer.interface.js';
import { assertMsgpackable, assertMsgpackReadable, type MsgpackType } from './msgpack-safety.js';

/**
 * MessagePack through msgpackr: keeps Date, Map (any keys), Set, BigInt (any size), typed arrays, Buffer,
 * NaN/±Infinity and `undefined` (in arrays and properties), and stores typical documents in about half JSON's
 * bytes. Refuses what it would change: functions, symbols, class instances, sparse arrays, circular structures,
 * nesting deeper than 1,000 levels. RegExp and Error only where `allowed` (option `msgpackTypes`) names them. -0
 * reads back as 0, as with JSON.
 *
 * Reading refuses the same: whatever the bytes in Redis say, a read hands out only values a write would have
 * stored. msgpackr rebuilds RegExp (a pattern anyone who can write to Redis chooses) and Error from its built-in
 * extensions whatever the options, so the decoded value is walked for them and for depth; its structured-clone
 * extensions (shared and cyclic references) are off, as this serializer never writes them.
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
  private readonly unpackr = new Unpackr({ moreTypes: true, structuredClone: false });
  private readonly allowed: ReadonlySet<MsgpackType>;

  constructor(allowed: readonly MsgpackType[] = []) {
    this.allowed = new Set(allowed);
  }

  serialize(value: unknown): Uint8Array {
    assertMsgpackable(value, this.allowed);
    return this.packr.pack(value); // a view into msgpackr's buffer: the codec copies it into the entry at once
  }

  deserialize(bytes: Buffer): unknown {
    const value: unknown = this.unpackr.unpack(bytes);
    assertMsgpackReadable(value, this.allowed);
    return value;
  }
}
