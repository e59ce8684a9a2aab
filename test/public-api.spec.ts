import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The names each entry point exports (values and types), against the checked-in list test/public-api.json: a name
 * that disappears, moves or appears shows up in review as an edit of that list. The root keeps re-exporting, as
 * @deprecated, every name of the entries that came off it, until 1.0.
 */
const ROOT = join(import.meta.dirname, '..');
const PACKAGE = '@datapunk/nestjs-cache';
/** Subpaths whose names were on the root before 0.3: the root re-exports each of them, deprecated, in 0.x. */
const MOVED_OFF_THE_ROOT = ['./compat', './admin', './health'];

const expected: Record<string, string[]> = JSON.parse(readFileSync(join(ROOT, 'test/public-api.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const subpaths = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json');
const sourceOf = (subpath: string) => join(ROOT, 'lib', subpath === '.' ? 'index.ts' : `${subpath.slice(2)}.ts`);

interface ExportedName {
  name: string;
  deprecated?: string;
}

/** Every name an entry file exports, with the text of its @deprecated tag, read by the TypeScript checker. */
function exportsOf(files: string[]): Map<string, ExportedName[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.build.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  const program = ts.createProgram(files, config!.options);
  const checker = program.getTypeChecker();
  return new Map(
    files.map((file) => {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      const names = checker.getExportsOfModule(moduleSymbol).map((symbol) => ({
        name: symbol.name,
        deprecated: symbol
          .getJsDocTags(checker)
          .filter((tag) => tag.name === 'deprecated')
          .map((tag) => ts.displayPartsToString(tag.text))[0],
      }));
      return [file, names];
    }),
  );
}

describe('the public API: entry points and the names they export', () => {
  const exported = exportsOf(subpaths.map(sourceOf));
  const namesOf = (subpath: string) =>
    exported
      .get(sourceOf(subpath))!
      .map(({ name }) => name)
      .sort();

  it('package.json exports exactly the entries of the list, each with ESM, CommonJS and node10 types', () => {
    expect(subpaths).toEqual(Object.keys(expected));
    for (const subpath of subpaths) {
      const base = subpath === '.' ? 'index' : subpath.slice(2);
      const require = subpath === '.' ? 'require.cjs' : `${base}.require.cjs`;
      expect(manifest.exports[subpath]).toEqual({
        import: { types: `./dist/${base}.d.ts`, default: `./dist/${base}.js` },
        require: { types: `./dist/cjs/${base}.d.ts`, default: `./dist/cjs/${require}` },
      });
      expect(existsSync(sourceOf(subpath))).toBe(true);
      expect(existsSync(join(ROOT, 'scripts/dual/cjs', require))).toBe(true); // copied into dist/cjs/ by the build
      if (subpath !== '.') expect(manifest.typesVersions['*'][base]).toEqual([`./dist/cjs/${base}.d.ts`]);
    }
  });

  it.each(Object.keys(expected))('%s exports the names of the list, no more, no fewer', (subpath) => {
    expect(namesOf(subpath)).toEqual([...expected[subpath]].sort());
  });

  it.each(MOVED_OFF_THE_ROOT)('the root still exports every name of %s, each marked @deprecated with the new import', (subpath) => {
    const root = new Map(exported.get(sourceOf('.'))!.map((entry) => [entry.name, entry]));
    for (const name of namesOf(subpath)) {
      expect({ name, deprecated: root.get(name)?.deprecated }).toEqual({
        name,
        deprecated: `import from '${PACKAGE}/${subpath.slice(2)}' (removed in 1.0)`,
      });
    }
  });

  it('the root marks nothing else deprecated: the core API stays on the root', () => {
    const moved = new Set(MOVED_OFF_THE_ROOT.flatMap(namesOf));
    const deprecated = exported
      .get(sourceOf('.'))!
      .filter((entry) => entry.deprecated !== undefined)
      .map(({ name }) => name)
      .sort();
    expect(deprecated).toEqual([...moved].sort());
  });
});
