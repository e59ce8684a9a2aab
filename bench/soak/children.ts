import { fork, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

/**
 * Child processes of the soak (instances, writer), each forked with an IPC channel (a child exits when the channel
 * closes, so a coordinator that dies takes them along) and output appended to one log file; stopped by PID.
 */
export class Children {
  private readonly all: ChildProcess[] = [];
  private readonly logFd: number;

  constructor(readonly logFile: string) {
    this.logFd = openSync(logFile, 'a');
  }

  start<M>(script: string, config: unknown, onMessage: (message: M) => void): ChildProcess {
    const child = fork(script, [JSON.stringify(config)], { stdio: ['ignore', this.logFd, this.logFd, 'ipc'] });
    child.on('message', (message) => onMessage(message as M));
    this.all.push(child);
    return child;
  }

  /** Waits for every child to exit by itself for up to `graceMs`, then SIGKILLs those left, by PID, and reaps them. */
  async stopAll(graceMs: number): Promise<void> {
    const running = this.all.filter((child) => child.exitCode === null && child.signalCode === null);
    const exits = running.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
    const timer = setTimeout(() => {
      for (const child of running)
        if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(timer);
    closeSync(this.logFd);
  }

  /** Synchronous last resort on an abrupt exit: SIGKILL by PID. */
  killNow(): void {
    for (const child of this.all)
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGKILL');
  }
}
