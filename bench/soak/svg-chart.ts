import type { FaultWindow } from './windows.js';

export interface ChartInput {
  runMs: number;
  /** [seconds from start, p50, p99, max] per latency window */
  latency: Array<[number, number, number, number]>;
  /** per instance: [seconds from start, rss MB, heap MB] */
  memory: Array<Array<[number, number, number]>>;
  /** fault windows, times in seconds from start (the warm-up left out) */
  faults: Array<Pick<FaultWindow, 'name'> & { start: number; end: number }>;
}

const WIDTH = 1000;
const LEFT = 60;
const RIGHT = 20;
const PANEL = { latency: { top: 30, height: 200 }, memory: { top: 280, height: 160 } };
const HEIGHT = 520;
const COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Latency (log scale) and memory over the run, with every fault shaded and numbered: hand-written SVG, no library. */
export function chartSvg(input: ChartInput): string {
  const x = (seconds: number): number => LEFT + (seconds / (input.runMs / 1000)) * (WIDTH - LEFT - RIGHT);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
  ];
  input.faults.forEach((fault, i) => {
    const [from, to] = [x(fault.start), Math.max(x(fault.end), x(fault.start) + 3)];
    parts.push(
      `<rect x="${from.toFixed(1)}" y="${PANEL.latency.top}" width="${(to - from).toFixed(1)}" height="${PANEL.memory.top + PANEL.memory.height - PANEL.latency.top}" fill="#d62728" fill-opacity="0.15"><title>${escape(fault.name)}</title></rect>`,
    );
    parts.push(`<text x="${from.toFixed(1)}" y="${PANEL.latency.top - 4}" fill="#d62728">${i + 1}</text>`);
  });
  parts.push(...latencyPanel(input, x), ...memoryPanel(input, x), ...timeAxis(input, x), ...legend(input));
  parts.push('</svg>');
  return parts.join('\n');
}

function latencyPanel(input: ChartInput, x: (s: number) => number): string[] {
  const { top, height } = PANEL.latency;
  const [minLog, maxLog] = [-1, Math.log10(Math.max(10, ...input.latency.map((row) => row[3]))) + 0.2];
  const y = (ms: number): number => top + height - ((Math.log10(Math.max(ms, 0.1)) - minLog) / (maxLog - minLog)) * height;
  const out = [frame(top, height, 'getOrSet latency per 5 s window (ms, log scale)')];
  for (const tick of [0.1, 1, 10, 100, 1000, 10000].filter((t) => Math.log10(t) <= maxLog))
    out.push(`<text x="${LEFT - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`, gridLine(y(tick)));
  const series: Array<[string, number]> = [
    ['#1f77b4', 1],
    ['#ff7f0e', 2],
    ['#d62728', 3],
  ];
  for (const [colour, column] of series)
    out.push(
      polyline(
        input.latency.map((row) => [x(row[0]), y(row[column])]),
        colour,
      ),
    );
  out.push(
    `<text x="${WIDTH - RIGHT}" y="${top + 12}" text-anchor="end"><tspan fill="#1f77b4">p50</tspan> <tspan fill="#ff7f0e">p99</tspan> <tspan fill="#d62728">max</tspan></text>`,
  );
  return out;
}

function memoryPanel(input: ChartInput, x: (s: number) => number): string[] {
  const { top, height } = PANEL.memory;
  const values = input.memory.flat().flatMap((row) => [row[1], row[2]]);
  const max = Math.max(1, ...values) * 1.1;
  const y = (mb: number): number => top + height - (mb / max) * height;
  const out = [frame(top, height, 'RSS (solid) and heap used (dashed) per instance, MB')];
  for (let tick = 0; tick <= max; tick += niceStep(max))
    out.push(`<text x="${LEFT - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tick}</text>`, gridLine(y(tick)));
  input.memory.forEach((samples, i) => {
    const colour = COLOURS[i % COLOURS.length];
    out.push(
      polyline(
        samples.map((row) => [x(row[0]), y(row[1])]),
        colour,
      ),
    );
    out.push(
      polyline(
        samples.map((row) => [x(row[0]), y(row[2])]),
        colour,
        '4 3',
      ),
    );
  });
  return out;
}

function timeAxis(input: ChartInput, x: (s: number) => number): string[] {
  const seconds = input.runMs / 1000;
  const step = niceStep(seconds);
  const out: string[] = [];
  const baseline = PANEL.memory.top + PANEL.memory.height;
  for (let t = 0; t <= seconds; t += step) out.push(`<text x="${x(t).toFixed(1)}" y="${baseline + 14}" text-anchor="middle">${t}s</text>`);
  return out;
}

function legend(input: ChartInput): string[] {
  const names = [...new Set(input.faults.map((fault) => fault.name))];
  const numbered = names.map(
    (name) =>
      `${input.faults
        .map((f, i) => (f.name === name ? i + 1 : 0))
        .filter(Boolean)
        .join(',')}: ${name}`,
  );
  const top = PANEL.memory.top + PANEL.memory.height + 32;
  return numbered.map(
    (line, i) => `<text x="${LEFT + (i % 2) * 460}" y="${top + Math.floor(i / 2) * 14}" fill="#d62728">${escape(line)}</text>`,
  );
}

function frame(top: number, height: number, title: string): string {
  return `<rect x="${LEFT}" y="${top}" width="${WIDTH - LEFT - RIGHT}" height="${height}" fill="none" stroke="#888"/><text x="${LEFT}" y="${top - 14}" font-weight="bold">${escape(title)}</text>`;
}

function gridLine(y: number): string {
  return `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`;
}

function polyline(points: Array<[number, number]>, colour: string, dash?: string): string {
  const attr = dash === undefined ? '' : ` stroke-dasharray="${dash}"`;
  return `<polyline fill="none" stroke="${colour}" stroke-width="1.5"${attr} points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`;
}

function niceStep(span: number): number {
  const raw = span / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= raw)!;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
