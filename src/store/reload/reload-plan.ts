import type { SourceConfig, SourcesConfig } from "../../config/sources-file.ts";

/** What switching from one sources file to another does to each enabled source (ids). */
export interface ReloadPlan {
  /** Enabled now, not before (new, or enabled again): read before the switch. */
  added: string[];
  /** Enabled before, gone or disabled now: their cached result is dropped. */
  removed: string[];
  /** Read differently now (URL, format, map, section, headers, limits, or the sections): read again before the switch. */
  changed: string[];
  /** Kept as they are: same cached result, no new read. */
  unchanged: string[];
  /** The sections differ, so every source's articles are filed again. */
  sectionsChanged: boolean;
}

/**
 * Compares two configurations. A source counts as changed only when a field
 * that shapes what a read yields differs; a new `name` or `refreshSeconds`
 * applies without a read (names are shown from the configuration, a refresh
 * time from the next read on). Sections decide where every article is filed
 * when it is normalized, so a change to them re-reads every source. Pure.
 */
export function planReload(before: SourcesConfig, after: SourcesConfig): ReloadPlan {
  const sectionsChanged = canonical(before.sections) !== canonical(after.sections);
  const old = new Map(before.sources.filter((s) => s.enabled).map((s) => [s.id, s]));
  const plan: ReloadPlan = { added: [], removed: [], changed: [], unchanged: [], sectionsChanged };
  for (const source of after.sources.filter((s) => s.enabled)) {
    const previous = old.get(source.id);
    old.delete(source.id);
    if (!previous) plan.added.push(source.id);
    else if (sectionsChanged || readKey(previous) !== readKey(source)) plan.changed.push(source.id);
    else plan.unchanged.push(source.id);
  }
  plan.removed.push(...old.keys());
  return plan;
}

function readKey(source: SourceConfig): string {
  return canonical([
    source.location.href,
    source.format,
    source.map ?? null,
    source.section,
    source.headers,
    source.maxBytes,
    source.timeoutMs,
  ]);
}

/** JSON with object keys sorted, so reordering keys in the file is no change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
