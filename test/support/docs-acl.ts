import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The page that tells users what to grant: the tests run with exactly its lines. */
const SECURITY_PAGE = fileURLToPath(new URL('../../docs/operations/security.md', import.meta.url));
const PAGE_NAME = 'docs/operations/security.md';

function page(): string {
  return readFileSync(SECURITY_PAGE, 'utf8');
}

/**
 * The rules of the security page's `ACL SETUSER <user> …` line (the first one naming `user`), with its `>CHANGE-ME`
 * password replaced: the tests run with exactly what the docs tell users to grant.
 */
export function aclRulesFromDocs(user: string, password: string): string[] {
  const line = page()
    .split('\n')
    .find((text) => text.startsWith(`ACL SETUSER ${user} on `));
  if (line === undefined) throw new Error(`${PAGE_NAME} has no "ACL SETUSER ${user} on …" line`);
  return line
    .split(' ')
    .slice(3)
    .map((rule) => (rule === '>CHANGE-ME' ? `>${password}` : rule));
}

/** The rules of the page's additive line for the in-process tier: `ACL SETUSER <user> +client|id …` inside backticks. */
export function tierAclRulesFromDocs(user: string): string[] {
  const match = page().match(new RegExp(`\`ACL SETUSER ${user} (\\+client\\|id [^\`]*)\``));
  if (match === null) throw new Error(`${PAGE_NAME} has no in-process tier line for ${user}`);
  return match[1].split(' ');
}

/** The rules the page adds on a Redis Cluster ("- Redis Cluster: `+cluster|slots …`"). */
export function clusterAclRulesFromDocs(): string[] {
  const match = page().match(/^- Redis Cluster: `([^`]*)`/m);
  if (match === null) throw new Error(`${PAGE_NAME} has no "- Redis Cluster: \`…\`" ACL rules`);
  return match[1].split(' ');
}
