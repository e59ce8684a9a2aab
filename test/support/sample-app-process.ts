import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLE_MAIN = join(ROOT, 'dist-sample', 'main.js');
const BUILD_HINT = 'run `npm run build && tsc -p sample-app/tsconfig.json` (the pretest step) first';

/**
 * Fails fast, with the command to run, when the built package or the built sample app is missing
 * or older than its sources: the e2e test runs exactly what a user would, so it must not run stale output.
 */
export function assertSampleAppBuilt(): void {
  const outputs: Array<[string, string]> = [
    [join(ROOT, 'dist', 'index.js'), join(ROOT, 'lib')],
    [SAMPLE_MAIN, join(ROOT, 'sample-app')],
  ];
  for (const [output, sources] of outputs) {
    if (!existsSync(output)) throw new Error(`${output} does not exist: ${BUILD_HINT}`);
    const builtAt = statSync(output).mtimeMs;
    const newer = (readdirSync(sources, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') || file.endsWith('.json'))
      .filter((file) => statSync(join(sources, file)).mtimeMs > builtAt);
    if (newer.length > 0) throw new Error(`${output} is older than ${join(sources, newer[0])}: ${BUILD_HINT}`);
  }
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The built sample app (dist-sample/main.js) as a real child process on a free loopback port, stopped by PID. */
export class SampleAppProcess {
  private output = '';
  private readonly exited: Promise<ExitResult>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    cwd: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        rmSync(cwd, { recursive: true, force: true });
        resolve({ code, signal });
      });
      child.once('error', (error) => {
        this.output += `\n[spawn error] ${error.message}`;
        if (child.pid === undefined) resolve({ code: null, signal: null }); // never started: no 'exit' will come
      });
    });
  }

  /**
   * Starts it and waits (bounded) until it logs its URL. `env` is added to a copy of this process's
   * environment with REDIS_URL and CACHE_TTL removed, so only what the test passes configures the cache.
   */
  static async start(env: Record<string, string> = {}, timeoutMs = 20_000): Promise<SampleAppProcess> {
    const port = await freePort();
    const { REDIS_URL: _redisUrl, CACHE_TTL: _cacheTtl, ...inherited } = process.env;
    const cwd = mkdtempSync(join(tmpdir(), 'cache-sample-app-'));
    const child = spawn(process.execPath, [SAMPLE_MAIN], {
      // A cwd of its own: ConfigModule reads ./.env, and a developer's .env must not leak into the test.
      cwd,
      env: { ...inherited, NO_COLOR: '1', HOST: '127.0.0.1', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new SampleAppProcess(child, port, cwd);
    await app.waitForListening(timeoutMs);
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Waits (bounded) until the sample's @CacheWarmer (PricesService.allPrices, run in the background after boot) has
   * finished or was skipped: a test that counts the namespace's keys must not race its writes.
   */
  async warmed(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!/PricesService\.allPrices: (done|another instance)/.test(stripAnsi(this.output))) {
      if (Date.now() > deadline || !this.running) throw new Error(`the sample app's warmer did not finish within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Everything it printed so far (for assertions and failure messages). */
  get logs(): string {
    return this.output;
  }

  /** Sends `signal` and waits (bounded) for the process to end; rejects with its output if it does not. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitResult> {
    if (this.running) this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`sample app (pid ${this.pid}) still running ${timeoutMs} ms after ${signal}:\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For afterAll/finally: SIGKILL if still running, and wait (bounded) for the exit. Never throws. */
  async kill(): Promise<void> {
    if (!this.running) return;
    await this.stop('SIGKILL', 5_000).catch(() => undefined);
  }

  private async waitForListening(timeoutMs: number): Promise<void> {
    const listening = /listening on (http:\/\/\S+)/i;
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          poll = setInterval(() => listening.test(stripAnsi(this.output)) && resolve(), 25);
        }),
        this.exited.then(({ code, signal }) => {
          throw new Error(`sample app exited (code ${code}, signal ${signal}) before listening:\n${this.output}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`sample app did not listen within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      await this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
    }
  }
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
