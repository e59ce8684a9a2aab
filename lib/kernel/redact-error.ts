/**
 * Makes whatever a Redis call threw safe to keep in a CacheError and to print. ioredis attaches the failed command to
 * its errors (`command: { name, args }`), and for the connection handshake those args are `HELLO 3 AUTH user password`
 * or `AUTH password`: printed with `console.error(error)` or `util.inspect`, the password lands in the logs. Errors may
 * also be shared (ioredis hands one to every queued command and to its 'error' listeners), so they are copied, never
 * changed.
 */

/** What replaces a secret. */
export const REDACTED = '[redacted]';

/** Nested causes kept below the first: enough for a real chain, a bound for a cyclic one. */
const MAX_DEPTH = 4;

/** Cheap first test: most messages ("Command timed out", "connect ECONNREFUSED …") contain none of these. */
const MAY_HOLD_SECRET = /:\/\/|auth|setuser|pass|pwd|secret|token/i;
/** `scheme://user:password@` (or any userinfo) in a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;
/** A command or directive whose arguments are secret: everything after it on the line goes. */
const SECRET_ARGUMENTS = /\b(AUTH|SETUSER|requirepass|masterauth|auth-pass|sentinel-pass)\b[^\r\n]*/gi;
/** `password=…`, `"password": "…"`, `sentinelPassword: …` and the like. */
const SECRET_ASSIGNMENT = /\b(\w*(?:pass(?:w(?:or)?d)?|pwd|secret|token))(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}\]]+)/gi;

/** `text` with URL credentials, AUTH / ACL SETUSER arguments and `password=…` values replaced by REDACTED. */
export function scrubSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_ARGUMENTS, `$1 ${REDACTED}`)
    .replace(SECRET_ASSIGNMENT, (_, key: string, separator: string, value: string) => {
      const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
      return `${key}${separator}${quote}${REDACTED}${quote}`;
    });
}

/**
 * A value safe to keep as a cause: for an Error, a new Error of the same built-in kind (TypeError, SyntaxError and
 * RangeError stay what they are; anything else becomes an Error) with the same `name`, a scrubbed `message`, `code`,
 * only the name of `command`, and its `cause`, `lastNodeError` (Cluster) and `errors` (AggregateError) redacted the
 * same way; every other property, and the stack frames, are dropped. A string is scrubbed; another object becomes an
 * Error from its name and message; other primitives pass unchanged. Never throws.
 */
export function redactError(value: unknown): unknown {
  return redact(value, 0);
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  try {
    return copyOf(value as ErrorLike, depth);
  } catch {
    return new Error('(an error whose details could not be read safely)');
  }
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  command?: { name?: unknown };
  cause?: unknown;
  lastNodeError?: unknown;
  errors?: unknown;
}

function copyOf(original: ErrorLike, depth: number): Error {
  const isError = original instanceof Error;
  const Kind = !isError
    ? Error
    : original instanceof TypeError
      ? TypeError
      : original instanceof SyntaxError
        ? SyntaxError
        : original instanceof RangeError
          ? RangeError
          : Error;
  const message = typeof original.message === 'string' ? scrubSecrets(original.message) : isError ? '' : scrubSecrets(String(original));
  const deeper = depth < MAX_DEPTH;
  const options = deeper && original.cause !== undefined ? { cause: redact(original.cause, depth + 1) } : undefined;
  // No stack trace: capturing one costs more than the rest of the copy (an outage fails thousands of calls a second),
  // and the CacheError holding this copy has the caller's. Reading the original's would format it: as costly.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let copy: Error;
  try {
    copy = new Kind(message, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const name = typeof original.name === 'string' && original.name !== '' ? scrubSecrets(original.name) : copy.name;
  if (name !== copy.name) {
    copy.name = name;
    copy.stack = message === '' ? name : `${name}: ${message}`; // as String(copy) reads, like a stack without frames
  }
  const fields = copy as Error & ErrorLike;
  if (typeof original.code === 'string' || typeof original.code === 'number') fields.code = redact(original.code, depth);
  if (typeof original.command?.name === 'string') fields.command = { name: scrubSecrets(original.command.name) };
  if (deeper && original.lastNodeError != null) fields.lastNodeError = redact(original.lastNodeError, depth + 1);
  if (deeper && Array.isArray(original.errors)) {
    const errors = original.errors.slice(0, 16).map((inner: unknown) => redact(inner, depth + 1));
    Object.defineProperty(copy, 'errors', { value: errors, writable: true, configurable: true }); // as AggregateError has it
  }
  return copy;
}
