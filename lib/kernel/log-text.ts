/**
 * Control characters (C0, DEL, C1) and the Unicode line and paragraph separators, which end a line in a log file or
 * drive a terminal (ESC).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` as one printable line: control characters become JSON-style escapes (`\n`, `\u001b`). Log lines embed keys,
 * tags and error messages that may come from users; a raw newline in a key would let it forge a log line of its own.
 */
export function escapeForLog(text: string): string {
  return text.replace(CONTROL, (char) => SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
