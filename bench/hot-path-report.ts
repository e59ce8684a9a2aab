import type { HotRowResult, SlicePlan } from './hot-path-slices.js';

export const HOT_PATH_HEADING = '## Hot path: ratios of medians over alternating slices';

const times = (ratio: number): string => `${ratio.toFixed(2)}x`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The section: issue 21's table (workload | ratio | goal | pass?), then every contender's absolute ops/s. */
export function hotPathSection(results: readonly HotRowResult[], plan: SlicePlan, method: string): string[] {
  const name = (r: HotRowResult): string => `${r.row.workload} (${r.row.topology})`;
  return [
    HOT_PATH_HEADING,
    '',
    `- Method: ${method}; ${plan.rounds} rounds, each giving every contender of every row one slice of ${plan.sliceMs} ms (a full GC before it) ` +
      `in an order reversed every other round, after one unmeasured warm-up slice each; ratio = the measured side's median ops/s ÷ the best baseline's median ops/s.`,
    '',
    '| workload | ratio | goal | pass? |',
    '| --- | ---: | ---: | --- |',
    ...results.map((r) => `| ${name(r)} | ${times(r.ratio)} | ≥ ${times(r.row.goal)} | ${r.ratio >= r.row.goal ? 'yes' : '**no**'} |`),
    '',
    '| workload | contender | median ops/s | min–max ops/s over slices | median p50 ms |',
    '| --- | --- | ---: | ---: | ---: |',
    ...results.flatMap((r) =>
      [r.measured, ...r.baselines].map(
        (c) =>
          `| ${name(r)} | ${c.label} | ${int(c.medianOpsPerSec)} | ${int(Math.min(...c.slices))}–${int(Math.max(...c.slices))} | ${c.medianP50Ms.toFixed(4)} |`,
      ),
    ),
  ];
}

/** results.md with this section replaced (or appended): the other sections stay as the last full run wrote them. */
export function withHotPathSection(markdown: string, section: string): string {
  const start = markdown.indexOf(HOT_PATH_HEADING);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section.trimEnd()}\n`;
  const next = markdown.indexOf('\n## ', start + HOT_PATH_HEADING.length);
  const rest = next < 0 ? '' : markdown.slice(next + 1);
  return `${markdown.slice(0, start)}${section.trimEnd()}\n${rest === '' ? '' : `\n${rest}`}`;
}
