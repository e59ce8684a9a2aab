import { createHash } from 'node:crypto';
import type { CatalogItem } from './catalog.repository.js';

/** A stand-in for a recommender: a stable pick of `count` items that differs from one user to the next. */
export function recommend(user: string, items: CatalogItem[], count = 3): CatalogItem[] {
  const score = (item: CatalogItem) => createHash('sha1').update(`${user}:${item.id}`).digest('hex');
  return [...items].sort((a, b) => score(a).localeCompare(score(b))).slice(0, count);
}
