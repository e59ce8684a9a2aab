import ts from 'typescript';
import { MODULE_ALIASES, NAMESPACE_ALIASES } from '../../lib/options/option-aliases.js';
import { defaultValuePart, readOptionDocs, type DocField, type DocInterface, type OptionDocs } from './option-docs.js';

/*
 * Renders docs/reference/options.md from the option interfaces' doc comments (`npm run docs:options` writes it;
 * test/docs/options-reference.spec.ts fails when the file and the sources differ). Tables, types, defaults, levels and
 * descriptions come from the sources; only the prose around the tables is written here.
 */

export const OPTIONS_REFERENCE = 'docs/reference/options.md';

/** Where the option interfaces (and the call and decorator shapes that carry some of their fields) are declared. */
export const OPTION_SOURCES = [
  'lib/options/cache-options.ts',
  'lib/options/concept-options.ts',
  'lib/options/deprecated-options.ts',
  'lib/options/entry-options.ts',
  'lib/method-cache/method-cache.options.ts',
];

export type Level = 'module' | 'namespace' | 'call' | 'decorator';

/**
 * The levels an option is set at, and the interface each level is given as. A level carries an option when its
 * interface has a field at the option's path, `under` a concept: a call's and a decorator's fields are read as
 * `policy.<field>`, so `policy.staleIfError` is a call option because EntryOptions extends StaleOptions, and a decorator
 * option because CacheableOptions extends EntryOptions. The `extends` these levels rely on are in LEVEL_INHERITANCE,
 * which the test compares with the sources.
 */
export const LEVELS: ReadonlyArray<{ level: Level; iface: string; under: string }> = [
  { level: 'module', iface: 'CacheModuleOptions', under: '' }, // CacheModule.forRoot / forRootAsync
  { level: 'namespace', iface: 'NamespaceOptions', under: '' }, // namespaces.<ns>, withNamespace(ns, settings)
  { level: 'call', iface: 'EntryOptions', under: 'policy' }, // set, getOrSet, getOrSetMany
  { level: 'decorator', iface: 'CacheableOptions', under: 'policy' }, // @Cacheable
];

/** The `extends` clauses LEVELS relies on (the test holds them to the sources). */
export const LEVEL_INHERITANCE: Readonly<Record<string, readonly string[]>> = {
  CacheModuleOptions: ['DeprecatedModuleOptions'],
  NamespaceOptions: ['DeprecatedNamespaceOptions'],
  CachePolicyOptions: ['StaleOptions'],
  EntryOptions: ['StaleOptions'],
  CacheableOptions: ['EntryOptions'],
};

/** The per-call table's columns: what each call's (or decorator's) options are declared as. */
const CALL_SHAPES: ReadonlyArray<[column: string, type: string]> = [
  ['`set`', 'SetOptions'],
  ['`getOrSet`', 'GetOrSetOptions'],
  ['`getOrSetMany`', 'GetOrSetManyOptions'],
  ['`@Cacheable`', 'CacheableOptions'],
  ['`@CachePut`', 'CachePutOptions'],
];

/** An interface's fields reachable through a type: all of them, or those a Pick / Omit keeps; `record`: under `<ns>`. */
interface Part {
  iface: DocInterface;
  keep: (field: string) => boolean;
  record: boolean;
}

const ALL = (): boolean => true;

export class OptionModel {
  constructor(readonly docs: OptionDocs) {}

  interface(name: string): DocInterface {
    const found = this.docs.interfaces.get(name);
    if (found === undefined) throw new Error(`options reference: interface ${name} is not declared in ${OPTION_SOURCES.join(', ')}`);
    return found;
  }

  /** How a field's type reads in a table: a type parameter as its default, a union alias (`CompressionOption`) spelled out. */
  typeOf(field: DocField): string {
    const type = field.type;
    if (type === undefined || !ts.isTypeReferenceNode(type) || type.typeArguments !== undefined) return field.typeText;
    const name = type.typeName.getText();
    const parameter = this.interface(field.iface).typeDefaults.get(name);
    if (parameter !== undefined) return parameter;
    const alias = this.docs.aliases.get(name);
    return alias !== undefined && ts.isUnionTypeNode(alias) ? alias.getText().replace(/\s+/g, ' ') : field.typeText;
  }

  /** Its own fields first, then those it inherits (from interfaces declared in the sources) that it does not redeclare. */
  fieldsOf(iface: DocInterface): DocField[] {
    const own = new Set(iface.fields.map(({ field }) => field));
    const inherited = iface.extends
      .filter((name) => this.docs.interfaces.has(name))
      .flatMap((name) => this.fieldsOf(this.interface(name)))
      .filter(({ field }) => !own.has(field));
    return [...iface.fields, ...inherited];
  }

  /** The option interfaces a type names: `boolean | LockOptions`, `CompressionOption` (an alias), `Pick<…>`, `Record<string, …>`. */
  parts(type: ts.TypeNode | undefined): Part[] {
    if (type === undefined) return [];
    if (ts.isUnionTypeNode(type)) return type.types.flatMap((member) => this.parts(member));
    if (ts.isParenthesizedTypeNode(type)) return this.parts(type.type);
    if (!ts.isTypeReferenceNode(type)) return [];
    const name = type.typeName.getText();
    const [first, second] = type.typeArguments ?? [];
    if (name === 'Pick' || name === 'Omit') {
      const named = new Set(literals(second));
      return this.parts(first).map((part) => ({ ...part, keep: (field) => part.keep(field) && named.has(field) === (name === 'Pick') }));
    }
    if (name === 'Record') return this.parts(second).map((part) => ({ ...part, record: true }));
    if (this.docs.interfaces.has(name)) return [{ iface: this.interface(name), keep: ALL, record: false }];
    const alias = this.docs.aliases.get(name);
    return alias === undefined ? [] : this.parts(alias);
  }

  /** The fields of a type's option interfaces, deprecated ones left out. */
  fieldsThrough(type: ts.TypeNode | undefined): Array<{ field: DocField; record: boolean }> {
    return this.parts(type).flatMap((part) =>
      this.fieldsOf(part.iface)
        .filter(({ field, deprecated }) => part.keep(field) && deprecated === undefined)
        .map((field) => ({ field, record: part.record })),
    );
  }

  /** Every option path below `prefix` through `fields`, nested objects included; a record (`namespaces`) is not descended into. */
  rows(prefix: string, fields: Array<{ field: DocField; record: boolean }>): Array<{ path: string; field: DocField }> {
    return fields.flatMap(({ field, record }) => {
      const path = [prefix, record ? '<ns>' : '', field.field].filter((part) => part !== '').join('.');
      return [{ path, field }, ...(record ? [] : this.rows(path, this.fieldsThrough(field.type)))];
    });
  }

  /** The option paths each level carries. */
  levelPaths(): Map<Level, Set<string>> {
    return new Map(
      LEVELS.map(({ level, iface, under }) => {
        const fields = this.fieldsOf(this.interface(iface)).filter(({ deprecated }) => deprecated === undefined);
        return [level, new Set(this.rows(under, fields.map((field) => ({ field, record: false }))).map(({ path }) => path))];
      }),
    );
  }
}

/** The string literals of `'a' | 'b'`. */
function literals(type: ts.TypeNode | undefined): string[] {
  if (type === undefined) return [];
  if (ts.isUnionTypeNode(type)) return type.types.flatMap(literals);
  return ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal) ? [type.literal.text] : [];
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => `\`${cell(text)}\``;

function defaultCell(field: DocField): string {
  if (!field.optional) return 'required';
  if (field.defaultText === undefined) return '—';
  const { value, note } = defaultValuePart(field.defaultText);
  return cell([code(value), note].filter((part) => part !== '').join(' '));
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** The prose of a section: its interface's doc comment, and what the page adds (links, the `redis` forms). */
const SECTION_NOTES: Readonly<Record<string, string>> = {
  redis: [
    '| form | example |',
    '| --- | --- |',
    "| URL | `{ url: 'redis://:secret@cache:6379/0' }` |",
    "| host / port | `{ host: 'cache', port: 6379, options: { password } }` |",
    '| your own client | `{ client: myIoredis }`: used as is, never closed by the module |',
    '| Redis Cluster | `{ cluster: { nodes: [{ host, port }], options } }` |',
    "| Sentinel | `{ sentinels: [{ host, port }], name: 'mymaster', options }` |",
    '',
    'Giving two forms at once (say `url` and `client`) fails the boot with a message that names both options. The',
    "module's own clients are created lazily and connect (with a PING) when the module initialises, before the modules",
    "that import it, so a provider can warm the cache in its own `onModuleInit`; `app.close()` (or a shutdown signal with",
    '`enableShutdownHooks()`) closes them. Without `redis` (and without `store`), the embedded store (an lru-cache of',
    '`memory.maxEntries` entries) serves the same API and startup logs one line saying so. It is for local runs: it is',
    'not shared between instances. A `store` of your own: [Bring your own store](../extend/custom-store.md). ACL, TLS and',
    'least privilege: [Security](../operations/security.md).',
  ].join('\n'),
  namespaces: 'Usage: [Namespaces and versions](../guide/namespaces.md). The same settings are taken by `withNamespace(ns, settings)`.',
  policy: 'Usage: [Refresh-ahead and stale serving](../guide/refresh-and-stale.md); TTL units: [Getting started](../guide/getting-started.md).',
  entries: 'Usage: [Values, serializers and compression](../guide/serialization.md).',
  resilience: 'What the cache does when Redis fails: [Failure behaviour and scaling](../operations/failure-and-scaling.md).',
  monitoring: 'The metrics: [Metrics](./metrics.md).',
  l1: 'Usage and costs: [The in-process tier](../guide/l1.md); how it stays coherent: [L1 coherence](../design/l1-coherence.md).',
  warming: 'Usage: [Warming](../guide/warming.md).',
  health: 'Usage: [Health and the admin endpoint](../operations/health-and-admin.md).',
  http: 'What an HTTP cache key holds: [HTTP caching](../guide/http.md), [Security](../operations/security.md).',
};

const INTRO = `# Options reference

Every option of \`CacheModule.forRoot()\` / \`forRootAsync()\`, by concept, with its type, its default and the levels it
can be set at. Read this when you configure the module or wonder what a setting does by default.

<!-- Generated by \`npm run docs:options\` from the doc comments of lib/options/*.ts; do not edit by hand
     (test/docs/options-reference.spec.ts fails when this file and the sources differ). -->

## Levels and precedence

An option can be set at up to four levels; the most specific one given wins: **call / decorator → namespace → module**.

| level | where it is given |
| --- | --- |
| module | \`CacheModule.forRoot({ … })\` / \`forRootAsync\` |
| namespace | \`namespaces: { <ns>: { … } }\` in the module's options, or \`cache.withNamespace(ns, { … })\` |
| call | the options of \`set\`, \`getOrSet\`, \`getOrSetMany\` (see [Per call and per decorator](#per-call-and-per-decorator)) |
| decorator | the options of \`@Cacheable\` (and \`@CachePut\`'s \`ttl\` and \`tags\`) |

A namespace changes its \`entries\` and \`policy\` field by field over the module's (a field it does not give is the
module's); a call's or a decorator's field falls back to the namespace's \`policy\`, else the module's. Options are
validated once, at startup (a namespace's when it is first made, a decorator's when first used): a refused value is a
\`CacheError\` with \`reason: 'invalid_config'\` that names the option. TTLs are milliseconds when numbers, or strings
such as \`'500ms'\`, \`'30s'\`, \`'5m'\`, \`'1h'\`, \`'2d'\`; \`'never'\` where a TTL may have no expiry.

Every default lives in one object (\`lib/options/defaults.ts\`) and on each field's \`@default\`
(test/options/defaults.spec.ts holds them to each other); this page is rendered from those comments.
`;

const DEPRECATED_INTRO = `## Deprecated flat keys

Options were grouped by concept in 0.3. The flat keys of 0.2 keep working in 0.x: at boot the module logs one warning
naming each one's new key (once per key per process), and giving a flat key beside its new key fails the boot with a
\`CacheError\` naming both. A namespace (\`namespaces.<ns>\`, \`withNamespace\`) takes its flat keys the same way.
`;

/** docs/reference/options.md, from the sources. */
export function renderOptionsReference(docs: OptionDocs = readOptionDocs(OPTION_SOURCES)): string {
  const model = new OptionModel(docs);
  const levels = model.levelPaths();
  const levelsOf = (path: string): string =>
    path.startsWith('namespaces.<ns>.') ? 'namespace' : LEVELS.filter(({ level }) => levels.get(level)!.has(path)).map(({ level }) => level).join(', ');
  const optionRow = ({ path, field }: { path: string; field: DocField }): string[] => [
    code(path),
    code(model.typeOf(field)),
    defaultCell(field),
    levelsOf(path),
    cell(field.description),
  ];
  const header = ['option', 'type', 'default', 'levels', 'description'];

  const moduleOptions = model.interface('CacheModuleOptions');
  const topFields = moduleOptions.fields.filter(({ deprecated }) => deprecated === undefined);
  const plain = topFields.filter((field) => model.parts(field.type).length === 0);
  const concepts = topFields.filter((field) => model.parts(field.type).length > 0);

  const sections = [
    INTRO,
    `## Module\n\n${moduleOptions.description}\n\n${table(header, plain.map((field) => optionRow({ path: field.field, field })))}\n`,
    ...concepts.map((field) => {
      const [part] = model.parts(field.type);
      const rows = [{ path: field.field, field }, ...model.rows(field.field, model.fieldsThrough(field.type))];
      const notes = SECTION_NOTES[field.field];
      return [`## \`${field.field}\``, part.iface.description, table(header, rows.map(optionRow)), notes]
        .filter((text) => text !== undefined && text !== '')
        .join('\n\n')
        .concat('\n');
    }),
    callSection(model),
    deprecatedSection(),
  ];
  return sections.join('\n');
}

function callSection(model: OptionModel): string {
  const entry = model.interface('EntryOptions');
  const moduleLevel = model.levelPaths().get('module')!;
  const accepted = CALL_SHAPES.map(([, type]) => {
    const alias = model.docs.aliases.get(type);
    const fields = alias === undefined ? model.fieldsOf(model.interface(type)) : model.fieldsThrough(alias).map(({ field }) => field);
    return new Set(fields.map(({ field }) => field));
  });
  const rows = model.fieldsOf(entry).map((field) => {
    const policy = `policy.${field.field}`;
    const fallback = moduleLevel.has(policy) ? `from ${code(policy)}` : defaultCell(field);
    return [code(field.field), code(model.typeOf(field)), fallback, ...accepted.map((fields) => (fields.has(field.field) ? 'yes' : '')), cell(field.description)];
  });
  return [
    '## Per call and per decorator',
    cell(entry.description),
    table(['option', 'type', 'default', ...CALL_SHAPES.map(([column]) => column), 'description'], rows),
    "The decorators' own options (`key`, `condition`, `unless`, `namespace`, `version`, `cacheNull`, `nullTtl`, `batch`) are in [Decorators](../guide/decorators.md).",
  ]
    .join('\n\n')
    .concat('\n');
}

function deprecatedSection(): string {
  const rows = Object.entries(MODULE_ALIASES).map(([flat, [concept, field]]) => [
    code(flat === 'metrics' ? 'metrics.registry' : flat),
    code(`${concept}.${field}`),
    flat in NAMESPACE_ALIASES ? 'yes' : '',
  ]);
  return `${DEPRECATED_INTRO}\n${table(['flat key (0.2)', 'new key', 'also per namespace'], rows)}\n`;
}
