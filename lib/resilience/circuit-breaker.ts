export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerSettings {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe is let through. */
  cooldownMs: number;
}

/**
 * Stops sending commands to a Redis that keeps failing, so callers go straight to their
 * loaders instead of each waiting out a timeout; after the cool-down one probe decides.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(
    private readonly settings: CircuitBreakerSettings,
    private readonly onChange: (state: CircuitState) => void,
  ) {}

  get state(): CircuitState {
    return this.current;
  }

  /** Whether a command may be sent now (in half-open, only the one probe). */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open' && performance.now() - this.openedAt >= this.settings.cooldownMs) this.transition('half-open');
    if (this.current === 'half-open' && !this.probing) {
      this.probing = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  failure(): void {
    this.failures++;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.settings.failureThreshold)) {
      this.openedAt = performance.now();
      this.transition('open');
    }
  }

  private transition(state: CircuitState): void {
    this.current = state;
    this.probing = false;
    this.onChange(state);
  }
}

/** Thrown instead of sending a command while the circuit is open. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';

  constructor() {
    super('circuit open: Redis failed repeatedly, commands are paused for the cool-down');
  }
}
