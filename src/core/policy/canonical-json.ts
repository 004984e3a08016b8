/**
 * JSON with object keys sorted at every level (arrays keep their order, which is meaningful: the first matching
 * `namespaces` entry wins). Two policy files that say the same thing in a different key order hash equally.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const sorted: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    sorted[key] = sortKeys(item);
  }
  return sorted;
}
