/**
 * Merging `Vary`, the one implementation for every stage that writes
 * answers: the partner gate (CORS varies on Origin and the API key) and the
 * HTTP layer's caches (Accept, Accept-Encoding). It sits on the ground floor
 * because partners stand below http.
 */
/**
 * Vary names merged, case-insensitively, without repeats, in the order first
 * seen (the names already set keep their spelling). `*` already set means the
 * answer varies on everything: it stays as it is.
 */
export function mergeVary(current: string | number | string[] | undefined | null, added: string): string {
  const currentNames = String(current ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  if (currentNames.includes("*")) return currentNames.join(", ");
  const seen = new Map<string, string>();
  for (const name of [...currentNames, ...added.split(",").map((n) => n.trim())])
    if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  return [...seen.values()].join(", ");
}

/** Distinct current values one memo remembers (the partner gate sets a handful). */
const MAX_MEMOIZED_VARY_VALUES = 100;

/**
 * `mergeVary(current, added)`, remembered per current value: for a hot path
 * that merges the same values on every answer. The memo is the caller's own,
 * made with the object that uses it.
 */
export function createVaryMemo(added: string): (current: string | number | string[] | undefined) => string {
  const merges = new Map<string, string>();
  return (current) => {
    const key = String(current ?? "");
    let merged = merges.get(key);
    if (merged === undefined) {
      merged = mergeVary(current, added);
      if (merges.size >= MAX_MEMOIZED_VARY_VALUES) merges.clear();
      merges.set(key, merged);
    }
    return merged;
  };
}
