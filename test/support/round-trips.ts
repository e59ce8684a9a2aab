import type { TcpProxy, TrafficObserver } from './tcp-proxy.js';

/**
 * Counts, at a TcpProxy, the commands clients send and the request/response turns they take: a turn starts when a
 * client sends after the server has answered (or first). Commands issued together count as one turn however many
 * socket writes carry them; a command that waits for another's reply starts a second. No clock is involved.
 */
export class RoundTrips implements TrafficObserver {
  turns = 0;
  commands = 0;
  private answered = true;
  /** Bytes of a request split across chunks, kept until the rest arrives. */
  private pending = Buffer.alloc(0);

  static watch(proxy: TcpProxy): RoundTrips {
    const counter = new RoundTrips();
    proxy.observer = counter;
    return counter;
  }

  reset(): void {
    this.turns = 0;
    this.commands = 0;
  }

  request(chunk: Buffer): void {
    if (this.answered) this.turns++;
    this.answered = false;
    this.pending = Buffer.concat([this.pending, chunk]);
    let end: number | undefined;
    while ((end = endOfCommand(this.pending)) !== undefined) {
      this.commands++;
      this.pending = this.pending.subarray(end);
    }
  }

  reply(): void {
    this.answered = true;
  }
}

/** Where the first whole command of `bytes` ends (RESP: `*<n>\r\n` then n `$<len>\r\n<bytes>\r\n`), undefined if incomplete. */
function endOfCommand(bytes: Buffer): number | undefined {
  let at = 0;
  const line = (): number | undefined => {
    const eol = bytes.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const value = Number(bytes.toString('latin1', at + 1, eol));
    at = eol + 2;
    return value;
  };
  if (bytes.length === 0 || bytes[0] !== 0x2a) return undefined; // '*': clients send arrays of bulk strings
  const count = line();
  if (count === undefined) return undefined;
  for (let i = 0; i < count; i++) {
    const length = line();
    if (length === undefined || at + length + 2 > bytes.length) return undefined;
    at += length + 2;
  }
  return at;
}
