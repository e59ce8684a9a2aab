import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/**
 * The rules of the README's `ACL SETUSER <user> …` line (the first one naming `user`), with its `>CHANGE-ME` password
 * replaced: the tests run with exactly what the README tells users to grant.
 */
export function aclRulesFromReadme(user: string, password: string): string[] {
  const line = readFileSync(README, 'utf8')
    .split('\n')
    .find((text) => text.startsWith(`ACL SETUSER ${user} on `));
  if (line === undefined) throw new Error(`README.md has no "ACL SETUSER ${user} on …" line`);
  return line
    .split(' ')
    .slice(3)
    .map((rule) => (rule === '>CHANGE-ME' ? `>${password}` : rule));
}

/** The rules of the README's additive line for the in-process tier: `ACL SETUSER <user> +client|id …` inside backticks. */
export function tierAclRulesFromReadme(user: string): string[] {
  const match = readFileSync(README, 'utf8').match(new RegExp(`\`ACL SETUSER ${user} (\\+client\\|id [^\`]*)\``));
  if (match === null) throw new Error(`README.md has no in-process tier line for ${user}`);
  return match[1].split(' ');
}

/** The rules the README adds on a Redis Cluster ("Redis Cluster: `+cluster|slots …`"). */
export function clusterAclRulesFromReadme(): string[] {
  const match = readFileSync(README, 'utf8').match(/^- Redis Cluster: `([^`]*)`/m);
  if (match === null) throw new Error('README.md has no "- Redis Cluster: `…`" ACL rules');
  return match[1].split(' ');
}
