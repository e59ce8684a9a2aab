/**
 * Deterministic JSON-shaped values of a given serialized size. Values are objects with nested
 * records (not one long string) so that JSON.stringify/parse cost resembles real cached payloads.
 */
export interface SizedValue {
  value: unknown;
  /** JSON.stringify(value), kept to check round trips and sizes. */
  json: string;
}

export function sizedValue(bytes: number): SizedValue {
  const items: Array<{ sku: string; qty: number; price: number; tags: string[] }> = [];
  const value = { id: 42, kind: 'bench', items, note: '' };
  // Add records while they fit (tracking the size incrementally: re-stringifying 100 KB per record
  // would be quadratic), then pad `note` so the JSON is exactly `bytes` long.
  let size = JSON.stringify(value).length;
  for (let n = 0; ; n++) {
    const item = { sku: `SKU-${String(n).padStart(6, '0')}`, qty: n % 7, price: ((n * 37) % 1000) / 10, tags: ['a', 'b'] };
    const itemSize = JSON.stringify(item).length + (items.length > 0 ? 1 : 0); // + the comma
    if (size + itemSize > bytes) break;
    items.push(item);
    size += itemSize;
  }
  value.note = 'x'.repeat(bytes - size);
  const json = JSON.stringify(value);
  if (json.length !== bytes) throw new Error(`sizedValue(${bytes}) produced ${json.length} bytes`);
  return { value, json };
}

/** `prefix:0` … `prefix:count-1`, built once so the measured loop does no string building. */
export function keyRange(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}:${index}`);
}
