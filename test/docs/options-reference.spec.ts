import { readFileSync } from 'node:fs';
import { MODULE_ALIASES, NAMESPACE_ALIASES } from '../../lib/options/option-aliases.js';
import { readOptionDocs } from '../../scripts/docs/option-docs.js';
import {
  LEVEL_INHERITANCE,
  LEVELS,
  OPTION_SOURCES,
  OPTIONS_REFERENCE,
  OptionModel,
  renderOptionsReference,
} from '../../scripts/docs/options-reference.js';

/** The first line where two texts differ, shown both ways (a whole-file diff of a long table is unreadable). */
function firstDifference(expected: string, actual: string): string | undefined {
  const want = expected.split('\n');
  const have = actual.split('\n');
  for (let line = 0; line < Math.max(want.length, have.length); line++) {
    if (want[line] !== have[line]) return `line ${line + 1}\n  sources say: ${want[line] ?? '(end of file)'}\n  file says:   ${have[line] ?? '(end of file)'}`;
  }
  return undefined;
}

describe('docs/reference/options.md', () => {
  const docs = readOptionDocs(OPTION_SOURCES);

  it('is what the option interfaces render to', () => {
    const difference = firstDifference(renderOptionsReference(docs), readFileSync(OPTIONS_REFERENCE, 'utf8'));
    if (difference !== undefined) {
      throw new Error(`${OPTIONS_REFERENCE} differs from the option interfaces' doc comments: run \`npm run docs:options\` and commit it.\nFirst difference at ${difference}`);
    }
  });

  it('derives levels from the extends clauses the sources declare', () => {
    const declared = Object.fromEntries(Object.keys(LEVEL_INHERITANCE).map((name) => [name, docs.interfaces.get(name)?.extends]));
    expect(declared).toEqual(LEVEL_INHERITANCE);
    for (const { iface } of LEVELS) expect(docs.interfaces.has(iface)).toBe(true);
  });

  it('gives every call and decorator option of the entry policy a module option to fall back to', () => {
    const levels = new OptionModel(docs).levelPaths();
    const moduleLevel = levels.get('module')!;
    const entryFields = new OptionModel(docs).fieldsOf(docs.interfaces.get('EntryOptions')!).map(({ field }) => `policy.${field}`);
    const orphans = [...levels.get('call')!].filter((path) => !moduleLevel.has(path) && path !== 'policy.tags');
    expect(orphans).toEqual([]);
    // The decorator carries every call field (CacheableOptions extends EntryOptions).
    expect(entryFields.filter((path) => !levels.get('decorator')!.has(path))).toEqual([]);
  });

  it('lists each deprecated flat key with the key its @deprecated line names', () => {
    const named = (iface: string) =>
      Object.fromEntries(docs.interfaces.get(iface)!.fields.map(({ field, deprecated }) => [field, deprecated?.replace(/^use /, '')]));
    const aliased = (aliases: typeof MODULE_ALIASES) => Object.fromEntries(Object.entries(aliases).map(([flat, home]) => [flat, home.join('.')]));
    expect(named('DeprecatedModuleOptions')).toEqual(aliased(MODULE_ALIASES));
    expect(named('DeprecatedNamespaceOptions')).toEqual(aliased(NAMESPACE_ALIASES));
  });
});
