import { EscapedLogger } from './escaped-logger.js';

/**
 * A logger that writes at most one line per category per interval, so an outage at
 * thousands of requests per second yields a handful of lines, each saying how many it stands for.
 * Every line is scrubbed of secrets (many embed an error's message: a Redis client's 'error' event, a failed write) and
 * written as one line: control characters in the keys, tags and messages it embeds are escaped (see escapeForLog).
 */
export class RateLimitedLogger {
  private readonly logger: EscapedLogger;
  private readonly lastLogged = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(
    context: string,
    private readonly intervalMs = 10_000,
  ) {
    this.logger = new EscapedLogger(context);
  }

  warn(category: string, message: string): void {
    const now = Date.now();
    const last = this.lastLogged.get(category);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed.set(category, (this.suppressed.get(category) ?? 0) + 1);
      return;
    }
    const skipped = this.suppressed.get(category) ?? 0;
    this.lastLogged.set(category, now);
    this.suppressed.delete(category);
    // Scrubbed and escaped by EscapedLogger only for lines written: suppressed ones cost a map update, nothing more.
    this.logger.warn(skipped > 0 ? `${message} (${skipped} similar suppressed)` : message);
  }

  /** Counts the category as logged now: its next lines within the interval are suppressed (another line told it). */
  markReported(category: string): void {
    this.lastLogged.set(category, Date.now());
  }

  log(message: string): void {
    this.logger.log(message);
  }
}
