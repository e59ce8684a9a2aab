import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy to a Redis port that can cut the network without closing anything: while partitioned, bytes
 * in both directions are held (as TCP retransmission would hold them) and new connections get no upstream; on
 * `heal` everything held is delivered. Neither side sees a close, as behind a dropped route or a dead switch.
 */
/** Sees the bytes a proxy forwards (see RoundTrips): client→server chunks, and that the server answered. */
export interface TrafficObserver {
  request(chunk: Buffer): void;
  reply(): void;
}

export class TcpProxy {
  private partitioned = false;
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
    const link = new Link(client, this.targetPort, () => this.partitioned, () => this.observer);
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

  constructor(
    private readonly client: Socket,
    private readonly targetPort: number,
    private readonly partitioned: () => boolean,
    private readonly observer: () => TrafficObserver | undefined,
  ) {
    client.on('data', (chunk) => {
      this.observer()?.request(chunk);
      this.send(this.toUpstream, chunk, this.upstream);
    });
    client.on('error', () => this.destroy());
    client.on('close', () => this.upstream?.destroy());
  }

  flush(): void {
    if (this.upstream === undefined) {
      const upstream = connect(this.targetPort, '127.0.0.1');
      upstream.on('data', (chunk) => {
        this.observer()?.reply();
        this.send(this.toClient, chunk, this.client);
      });
      upstream.on('error', () => this.destroy());
      upstream.on('close', () => this.client.destroy());
      this.upstream = upstream;
    }
    for (const chunk of this.toUpstream.splice(0)) this.upstream.write(chunk);
    for (const chunk of this.toClient.splice(0)) this.client.write(chunk);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  private send(held: Buffer[], chunk: Buffer, to: Socket | undefined): void {
    if (this.partitioned() || to === undefined) held.push(chunk);
    else to.write(chunk);
  }
}
