import { Logger } from '@nestjs/common';
import { scrubSecrets } from './redact-error.js';
import { escapeForLog } from './log-text.js';

/**
 * Nest's Logger, writing every message scrubbed of secrets and as one line (see escapeForLog). Messages embed text the
 * module does not control (a warmer's error, Redis's or the network's reply, keys and tags): a raw newline in it would
 * forge a log line of its own, a connection error may quote a URL with its password.
 */
export class EscapedLogger {
  private readonly logger: Logger;

  constructor(context: string) {
    this.logger = new Logger(context);
  }

  log(message: string): void {
    this.logger.log(oneLine(message));
  }

  warn(message: string): void {
    this.logger.warn(oneLine(message));
  }

  error(message: string): void {
    this.logger.error(oneLine(message));
  }
}

function oneLine(message: string): string {
  return escapeForLog(scrubSecrets(message));
}
