/**
 * Reads a value out of untrusted JSON by a dotted path from the sources file:
 * `response.results`, `fields.trailText`, and `tags[].webTitle` (collects the
 * field from every element of an array). Own properties only, so a path such as
 * `__proto__.x` reads nothing.
 */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown[] = [value];
  let many = false;
  for (const rawPart of path.split(".")) {
    const spread = rawPart.endsWith("[]");
    const part = spread ? rawPart.slice(0, -2) : rawPart;
    const next: unknown[] = [];
    for (const node of current) {
      const child = part === "" ? node : ownProperty(node, part);
      if (child === undefined) continue;
      if (spread) {
        if (Array.isArray(child)) next.push(...child);
      } else next.push(child);
    }
    if (spread) many = true;
    current = next;
  }
  return many ? current : current[0];
}

function ownProperty(node: unknown, key: string): unknown {
  if (node === null || typeof node !== "object") return undefined;
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}
