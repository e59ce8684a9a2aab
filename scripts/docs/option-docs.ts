import { readFileSync } from 'node:fs';
import ts from 'typescript';

/*
 * Reads the option interfaces' doc comments from the sources, syntax only (no type checker: fast enough for a test, and
 * the option files declare their shapes plainly). Shared by test/options/defaults.spec.ts (every `@default` is the
 * value in CACHE_DEFAULTS) and the options reference (docs/reference/options.md is rendered from these comments).
 */

export interface DocField {
  /** `lib/options/cache-options.ts CacheModuleOptions.namespace`, for messages. */
  where: string;
  iface: string;
  field: string;
  optional: boolean;
  typeText: string;
  type?: ts.TypeNode;
  /** The `@default` line; undefined without one. */
  defaultText?: string;
  /** The `@deprecated` line (`use policy.ttl`); undefined when not deprecated. */
  deprecated?: string;
  /** The comment's text before its tags, on one line. */
  description: string;
}

export interface DocInterface {
  name: string;
  file: string;
  /** The interfaces it extends, by name (type arguments dropped). */
  extends: string[];
  /** Its own fields, in source order. */
  fields: DocField[];
  /** Its doc comment, on one line. */
  description: string;
  /** Its type parameters' defaults (`EntryOptions<Tags = readonly string[]>`: Tags → `readonly string[]`). */
  typeDefaults: ReadonlyMap<string, string>;
}

export interface OptionDocs {
  interfaces: ReadonlyMap<string, DocInterface>;
  /** `type X = …` declarations, by name. */
  aliases: ReadonlyMap<string, ts.TypeNode>;
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

function tagText(member: ts.Node, name: string): string | undefined {
  const tag = ts.getJSDocTags(member).find((candidate) => candidate.tagName.text === name);
  return tag === undefined ? undefined : oneLine(ts.getTextOfJSDocComment(tag.comment) ?? '');
}

function descriptionOf(member: ts.Node): string {
  const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
  return oneLine(docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join(' '));
}

/** Every interface and type alias declared at the top level of `files` (paths from the repository root). */
export function readOptionDocs(files: readonly string[]): OptionDocs {
  const interfaces = new Map<string, DocInterface>();
  const aliases = new Map<string, ts.TypeNode>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    source.forEachChild((node) => {
      if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node.type);
      if (!ts.isInterfaceDeclaration(node)) return;
      const name = node.name.text;
      const heritage = node.heritageClauses?.flatMap((clause) => clause.types.map((type) => type.expression.getText(source))) ?? [];
      const fields = node.members.filter(ts.isPropertySignature).map(
        (member): DocField => ({
          where: `${file} ${name}.${member.name.getText(source)}`,
          iface: name,
          field: member.name.getText(source),
          optional: member.questionToken !== undefined,
          typeText: oneLine(member.type?.getText(source) ?? ''),
          type: member.type,
          defaultText: tagText(member, 'default'),
          deprecated: tagText(member, 'deprecated'),
          description: descriptionOf(member),
        }),
      );
      const typeDefaults = new Map(
        (node.typeParameters ?? []).map((parameter) => [parameter.name.text, oneLine(parameter.default?.getText(source) ?? 'unknown')]),
      );
      interfaces.set(name, { name, file, extends: heritage, fields, description: descriptionOf(node), typeDefaults });
    });
  }
  return { interfaces, aliases };
}

/** The fields of the option interfaces (`…Options` / `…Settings`, not `Resolved…`) that defaults.spec.ts checks. */
export function documentedFields(files: readonly string[]): DocField[] {
  const { interfaces } = readOptionDocs(files);
  return [...interfaces.values()]
    .filter(({ name }) => /(Options|Settings)$/.test(name) && !name.startsWith('Resolved'))
    .flatMap(({ fields }) => fields);
}

/** The value of an `@default` line: the JavaScript before an explanation in parentheses (`'5m' (as …)`). */
export function defaultValuePart(text: string): { value: string; note: string } {
  const at = text.search(/\s\(/);
  return at < 0 ? { value: text.trim(), note: '' } : { value: text.slice(0, at).trim(), note: text.slice(at).trim() };
}
