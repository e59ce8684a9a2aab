import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How to launch a server that plain arguments cannot describe (a Sentinel needs a writable config file). */
export interface RedisServerLaunchOptions {
  /** Passed first, as redis-server's config file (Sentinel rewrites it). */
  configFile?: string;
  /** The log line that means "serving". Default: 'Ready to accept connections' (a Sentinel never prints it). */
  readyLine?: string;
  /** Serve TLS only, on `port` (the plain port is off), with these PEM files; clients need no certificate. */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

/** A real redis-server on a free loopback port, owned by one test file and stopped by PID. */
export class RedisServer {
  private process?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'cache-test-redis-'));

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
    private readonly launchOptions: RedisServerLaunchOptions = {},
  ) {}

  static async start(extraArgs: string[] = [], launchOptions?: RedisServerLaunchOptions): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), extraArgs, launchOptions);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Starts it again on the same port (after stop or kill). */
  async launch(): Promise<void> {
    const { configFile, readyLine = 'Ready to accept connections', tls } = this.launchOptions;
    const ports = tls === undefined ? ['--port', String(this.port)] : tlsPortArgs(this.port, tls);
    const child = spawn(
      'redis-server',
      [
        ...(configFile === undefined ? [] : [configFile]),
        ...[...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.extraArgs],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes(readyLine)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** Stops it (SIGTERM, or SIGKILL to simulate a crash) and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Stops it for good and removes its working folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function tlsPortArgs(port: number, tls: NonNullable<RedisServerLaunchOptions['tls']>): string[] {
  return [
    ...['--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no'],
    ...['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile],
  ];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
