/** Why a value could not become an entry, or an entry a value. The caller counts it under this reason. */
export type EntryErrorReason = 'serialization' | 'too_large' | 'corrupt' | 'unknown_format';

/** Thrown by the (pure) entry codec; the caller decides what it means (a refused write, or a miss). */
export class EntryError extends Error {
  override readonly name = 'EntryError';

  constructor(
    readonly reason: EntryErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
