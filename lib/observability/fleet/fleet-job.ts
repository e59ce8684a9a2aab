import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../stores/redis/redis-connection.js';
import { printedAs } from '../../kernel/printed-as.js';
import type { RateLimitedLogger } from '../../kernel/rate-limited-logger.js';
import { InvalidReport } from '../../telemetry/report-check.js';

/** Why a shared report was not published: the `reason` label of cache_fleet_reports_rejected_total. */
export type ReportRejection = 'too_large' | 'not_json' | 'invalid';

/** Where rejected reports are counted. */
export interface ReportRejections {
  reportRejected(measurement: string, reason: ReportRejection): void;
}

/** What a periodic job measures and how it shows it. */
export interface FleetJobWork<R> {
  /** For logs: 'footprint', 'redisInfo'. */
  name: string;
  intervalMs: number;
  /** Held by the instance whose turn it is (SET NX PX); never released, so one run per interval per fleet. */
  turnKey: string;
  /** The latest report, shared with the instances whose turn it was not. */
  reportKey: string;
  /** Measures; run only by the instance holding the turn. `stopped` says the app is closing: give up early. */
  produce(stopped: () => boolean): Promise<R>;
  /** Shows a report (this instance's or another's) in this process. */
  publish(report: R): void;
  /** Another instance's report as read from Redis (parsed JSON), checked; throws InvalidReport. */
  check(shared: unknown): R;
}

/**
 * Longest shared report read, in bytes: a footprint report takes about 150 per namespace, so this holds thousands of
 * namespaces. Only this much (and one byte more, to tell a longer one) is ever fetched: a forged report of hundreds of
 * megabytes costs each instance at most this per interval, and JSON.parse never sees it.
 */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** How long a shared report outlives its interval: a fleet that stopped measuring leaves nothing stale behind for long. */
const REPORT_LIFETIMES = 3;
/**
 * A turn lasts a little less than the interval: a timer fires a few ms early relative to when its last turn was taken,
 * and a lone instance must find its own turn over by then. So the fleet measures at most once per 0.9 interval.
 */
const TURN_SHARE = 0.9;

/**
 * Runs a measurement once per interval across every instance of a service: each instance ticks on its own timer, the
 * first to take the turn in Redis measures and writes its report there, the others read that report. So every
 * instance publishes the same figures and Redis pays for one measurement per interval, whatever the fleet's size.
 */
export class FleetJob<R> {
  private timer?: NodeJS.Timeout;
  private followUp?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly token = randomBytes(8).toString('hex');

  constructor(
    private readonly client: RedisClient,
    private readonly work: FleetJobWork<R>,
    private readonly logger: RateLimitedLogger,
    private readonly rejections: ReportRejections,
  ) {
    printedAs(this, 'FleetJob', () => ({ name: work.name, reportKey: work.reportKey }));
  }

  /** First tick now (in the background), then one per interval. Timers never keep the process alive. */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.work.intervalMs).unref();
  }

  /** Stops ticking; a run in progress gives up at its next step. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.followUp);
  }

  /** One tick (never rejects); a tick while the previous one still runs joins it. */
  private run(): Promise<void> {
    this.running ??= this.turn().finally(() => (this.running = undefined));
    return this.running;
  }

  private tick(): void {
    if (!this.stopped && this.ready()) void this.run();
  }

  private async turn(): Promise<void> {
    try {
      const turnMs = Math.floor(this.work.intervalMs * TURN_SHARE);
      const mine = (await this.client.set(this.work.turnKey, this.token, 'PX', turnMs, 'NX')) === 'OK';
      if (mine) return await this.measure();
      if (!(await this.readShared())) this.retrySoon();
    } catch (error) {
      if (!this.stopped) this.logger.warn(`${this.work.name}:failed`, `${this.work.name} not measured: ${(error as Error).message}`);
    }
  }

  private async measure(): Promise<void> {
    const report = await this.work.produce(() => this.stopped);
    if (this.stopped) return;
    this.work.publish(report);
    await this.client.set(this.work.reportKey, JSON.stringify(report), 'PX', this.work.intervalMs * REPORT_LIFETIMES);
  }

  /** Publishes the fleet's report; false when there is none yet. A bad one is counted and ignored (the last good one stays). */
  private async readShared(): Promise<boolean> {
    // GETRANGE answers "" for a missing key: an empty report is no report.
    const head = await this.client.getrangeBuffer(this.work.reportKey, 0, MAX_REPORT_BYTES);
    if (head.length === 0 || this.stopped) return false;
    const report = this.accept(head);
    if (report !== undefined) this.work.publish(report);
    return true;
  }

  private accept(head: Buffer): R | undefined {
    if (head.length > MAX_REPORT_BYTES) return this.reject('too_large', `longer than ${MAX_REPORT_BYTES} bytes`);
    let shared: unknown;
    try {
      shared = JSON.parse(head.toString());
    } catch {
      return this.reject('not_json', 'not JSON');
    }
    try {
      return this.work.check(shared);
    } catch (error) {
      if (error instanceof InvalidReport) return this.reject('invalid', error.message);
      throw error;
    }
  }

  private reject(reason: ReportRejection, problem: string): undefined {
    this.rejections.reportRejected(this.work.name, reason);
    this.logger.warn(
      `${this.work.name}:rejected`,
      `${this.work.name} report at "${this.work.reportKey}" ignored (${problem}): written by something other than this module`,
    );
    return undefined;
  }

  /** The instance measuring may still be at it (all instances start together): look again shortly rather than in an interval. */
  private retrySoon(): void {
    if (this.followUp !== undefined || this.stopped) return;
    this.followUp = setTimeout(
      () => {
        this.followUp = undefined;
        if (!this.stopped && this.ready()) void this.readShared().catch(() => undefined);
      },
      Math.max(500, this.work.intervalMs / 10),
    ).unref();
  }

  /** Commands only on a working connection: never queued behind a reconnect. */
  private ready(): boolean {
    return this.client.status === 'ready';
  }
}
