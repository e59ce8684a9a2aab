import { createServer, connect, type Server, type Socket } from 'node:net';

/** Sees the bytes a proxy forwards (see RoundTrips): client→server chunks, and that the server answered. */
export interface TrafficObserver {
  request(chunk: Buffer): void;
  reply(): void;
}

/**
 * A loopback TCP proxy to a Redis port that can cut the network without closing anything: while partitioned, bytes
 * in both directions are held (as TCP retransmission would hold them) and new connections get no upstream; on
 * `heal` everything held is delivered. Neither side sees a close, as behind a dropped route or a dead switch.
 */
export class TcpProxy {
  private partitioned = false;
  private latencyMs = 0;
  /** Told of every chunk forwarded, when set. */
  observer?: TrafficObserver;
  private readonly links = new Set<Link>();
  readonly port: number;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    this.port = (server.address() as { port: number }).port;
    server.on('connection', (client) => this.link(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpProxy(server, targetPort);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  partition(): void {
    this.partitioned = true;
  }

  /** Delays every chunk this long in each direction (order kept), until set back to 0. */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  heal(): void {
    this.partitioned = false;
    for (const link of this.links) link.flush();
  }

  /**
   * Resets every connection and refuses new ones, as a stopped server would (clients fail fast: nothing is held for
   * later), until `reopen`; the server behind it keeps running for other clients.
   */
  async shut(): Promise<void> {
    for (const link of this.links) link.destroy();
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Accepts connections again on the same port. */
  async reopen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const link of this.links) link.destroy();
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private link(client: Socket): void {
    const link = new Link(
      client,
      this.targetPort,
      () => this.partitioned,
      () => this.latencyMs,
      () => this.observer,
    );
    this.links.add(link);
    client.once('close', () => this.links.delete(link));
    if (!this.partitioned) link.flush();
  }
}

/** One client connection and its upstream, opened on the first flush (a partition holds the connect too). */
class Link {
  private upstream?: Socket;
  private readonly toUpstream: Buffer[] = [];
  private readonly toClient: Buffer[] = [];
  private readonly upstreamLine = new DelayLine((chunk) => this.upstream?.write(chunk));
  private readonly clientLine = new DelayLine((chunk) => this.client.write(chunk));

  constructor(
    private readonly client: Socket,
    private readonly targetPort: number,
    private readonly partitioned: () => boolean,
    private readonly latencyMs: () => number,
    private readonly observer: () => TrafficObserver | undefined,
  ) {
    client.on('data', (chunk) => {
      this.observer()?.request(chunk);
      this.send(this.toUpstream, chunk, this.upstream, this.upstreamLine);
    });
    client.on('error', () => this.destroy());
    client.on('close', () => this.upstream?.destroy());
  }

  flush(): void {
    if (this.upstream === undefined) {
      const upstream = connect(this.targetPort, '127.0.0.1');
      upstream.on('data', (chunk) => {
        this.observer()?.reply();
        this.send(this.toClient, chunk, this.client, this.clientLine);
      });
      upstream.on('error', () => this.destroy());
      upstream.on('close', () => this.client.destroy());
      this.upstream = upstream;
    }
    // Through the delay lines, so held bytes never overtake delayed ones.
    for (const chunk of this.toUpstream.splice(0)) this.upstreamLine.push(chunk, 0);
    for (const chunk of this.toClient.splice(0)) this.clientLine.push(chunk, 0);
  }

  destroy(): void {
    this.upstreamLine.clear();
    this.clientLine.clear();
    this.client.destroy();
    this.upstream?.destroy();
  }

  private send(held: Buffer[], chunk: Buffer, to: Socket | undefined, line: DelayLine): void {
    if (this.partitioned() || to === undefined) held.push(chunk);
    else line.push(chunk, this.latencyMs());
  }
}

/** One direction of a link with added latency: each chunk is written once it is due, never before an earlier one. */
class DelayLine {
  private readonly queue: Array<{ chunk: Buffer; due: number }> = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly write: (chunk: Buffer) => void) {}

  push(chunk: Buffer, delayMs: number): void {
    if (delayMs <= 0 && this.queue.length === 0) return this.write(chunk);
    this.queue.push({ chunk, due: performance.now() + delayMs });
    this.schedule();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = performance.now();
        while (this.queue.length > 0 && this.queue[0].due <= now) this.write(this.queue.shift()!.chunk);
        this.schedule();
      },
      Math.max(0, this.queue[0].due - performance.now()),
    );
  }
}
