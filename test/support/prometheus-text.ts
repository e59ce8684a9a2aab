/** One sample of the Prometheus text exposition format (version 0.0.4). */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses a /metrics body: `# HELP`/`# TYPE` comments and blank lines are skipped; every other line is
 * `name{label="value",...} value [timestamp]`, with `\\`, `\"` and `\n` escapes inside label values.
 * Throws on a line it cannot read, so a format change fails loudly instead of matching nothing.
 */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    try {
      samples.push(parseLine(line));
    } catch (error) {
      throw new Error(`metrics line ${index + 1} is not valid exposition text (${(error as Error).message}): ${line}`);
    }
  }
  return samples;
}

/**
 * The value of the one sample named `name` whose labels include `labels`; `undefined` when there is none
 * (a labelled counter appears only once incremented). More than one match is an error: be more specific.
 */
export function sampleValue(samples: PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length > 1) {
    throw new Error(
      `${matches.length} samples of ${name} match ${JSON.stringify(labels)}: ${JSON.stringify(matches.map((m) => m.labels))}`,
    );
  }
  return matches[0]?.value;
}

function parseLine(line: string): PromSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error('no metric name');
  const name = nameMatch[0];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const labelMatch = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(line.slice(at));
      if (!labelMatch) throw new Error(`bad label at column ${at + 1}`);
      at += labelMatch[0].length;
      let value = '';
      for (;;) {
        const char = line[at++];
        if (char === undefined) throw new Error('unterminated label value');
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[at++];
          value += escaped === 'n' ? '\n' : escaped === '\\' || escaped === '"' ? escaped : `\\${escaped}`;
        } else {
          value += char;
        }
      }
      labels[labelMatch[1]] = value;
      const separator = /^\s*,?\s*/.exec(line.slice(at))!;
      at += separator[0].length;
      if (at >= line.length) throw new Error('unterminated label set');
    }
    at++;
  }
  const rest = line.slice(at).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new Error('expected a value and an optional timestamp');
  return { name, labels, value: parseValue(rest[0]) };
}

function parseValue(text: string): number {
  // As Prometheus reads them (Go's ParseFloat): NaN and ±Inf in any case; prom-client writes "Nan".
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`value ${JSON.stringify(text)} is not a number`);
  return value;
}
