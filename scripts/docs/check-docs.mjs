// `npm run docs:check`: every relative link in the docs resolves (file and #anchor), no user doc links outside the
// repository, and every ```ts block in README.md, docs/guide/ and docs/extend/ typechecks as its own module against the package.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SNIPPET_DIRS = ['docs/guide', 'docs/extend'];

function markdownFiles() {
  const files = ['README.md', 'CONTRIBUTING.md', 'bench/README.md', 'dashboards/README.md'].filter((file) => existsSync(join(ROOT, file)));
  const walk = (dir) => {
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = join(dir, name);
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk('docs');
  return files;
}

/** Lines outside fenced code blocks, and the fenced blocks themselves with their info string and first line. */
function parse(text) {
  const prose = [];
  const blocks = [];
  let open;
  text.split('\n').forEach((line, index) => {
    const fence = line.match(/^\s*(```+|~~~+)\s*([\w-]*)/);
    if (open === undefined && fence) open = { marker: fence[1], lang: fence[2], line: index + 2, body: [] };
    else if (open !== undefined && line.trim().startsWith(open.marker)) {
      blocks.push(open);
      open = undefined;
    } else if (open !== undefined) open.body.push(line);
    else prose.push({ line: index + 1, raw: line, text: line.replace(/`[^`]*`/g, '') });
  });
  return { prose, blocks };
}

/** GitHub's heading anchors: lowercase, punctuation except `-` and `_` dropped, spaces to `-`, repeats numbered. */
function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  for (const { raw: line } of parse(text).prose) {
    const heading = line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const base = heading[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function checkLinks(files) {
  const problems = [];
  const anchorCache = new Map();
  const anchorsFor = (path) => {
    if (!anchorCache.has(path)) anchorCache.set(path, anchorsOf(readFileSync(path, 'utf8')));
    return anchorCache.get(path);
  };
  for (const file of files) {
    const { prose } = parse(readFileSync(join(ROOT, file), 'utf8'));
    for (const { line, text } of prose) {
      for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        const target = match[1];
        const where = `${file}:${line}`;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          problems.push(`${where}: links outside the repository (${target}); docs link only to files in it`);
          continue;
        }
        const [path, anchor] = target.split('#');
        const resolved = path === '' ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), decodeURIComponent(path));
        if (!existsSync(resolved)) {
          problems.push(`${where}: ${target} does not resolve (${relative(ROOT, resolved)} is missing)`);
          continue;
        }
        if (anchor !== undefined && resolved.endsWith('.md') && !anchorsFor(resolved).has(anchor)) {
          problems.push(`${where}: ${target}: ${relative(ROOT, resolved)} has no heading with anchor #${anchor}`);
        }
      }
    }
  }
  return problems;
}

function checkSnippets(files) {
  const snippetFiles = files.filter((file) => file === 'README.md' || SNIPPET_DIRS.some((dir) => file.startsWith(`${dir}/`)));
  // Inside the repository, so the snippets resolve @nestjs/* and the rest from its node_modules.
  const dir = mkdtempSync(join(ROOT, '.docs-snippets-'));
  const origin = new Map();
  try {
    for (const file of snippetFiles) {
      parse(readFileSync(join(ROOT, file), 'utf8'))
        .blocks.filter((block) => ['ts', 'typescript'].includes(block.lang))
        .forEach((block, index) => {
          const name = join(dir, `${file.replace(/[/.]/g, '_')}_${index + 1}.ts`);
          // `export {}` makes every block its own module, so blocks never see each other's names.
          writeFileSync(name, `${block.body.join('\n')}\nexport {};\n`);
          origin.set(name, { file, line: block.line });
        });
    }
    if (origin.size === 0) return { problems: [], count: 0 };
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config;
    const options = ts.convertCompilerOptionsFromJson(
      { ...config.compilerOptions, noEmit: true, declaration: false, sourceMap: false, rootDir: undefined, types: ['node'], baseUrl: ROOT, noUnusedLocals: false },
      ROOT,
    ).options;
    const program = ts.createProgram([...origin.keys()], options);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file === undefined || origin.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        if (diagnostic.file === undefined) return `tsc: ${message}`;
        const { file, line } = origin.get(diagnostic.file.fileName);
        const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        return `${file}:${line + at.line}: ${message}`;
      });
    return { problems, count: origin.size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = markdownFiles();
const linkProblems = checkLinks(files);
const snippets = checkSnippets(files);
const problems = [...linkProblems, ...snippets.problems];
for (const problem of problems) process.stderr.write(`${problem}\n`);
process.stdout.write(
  `docs:check: ${files.length} Markdown files, ${snippets.count} TypeScript snippets typechecked, ${problems.length} problem(s)\n`,
);
process.exit(problems.length === 0 ? 0 : 1);
