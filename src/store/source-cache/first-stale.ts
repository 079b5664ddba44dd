import type { SourceConfig, SourcesConfig } from "../../config/sources-file.ts";

/**
 * How long every enabled source stays fresh, without asking each source on
 * every call. The sources' freshness deadlines move only when a source is
 * read (the read generation counts reads) or the configuration is reloaded,
 * so for one generation of one configuration the source that goes stale
 * first is always the same, and it alone is asked. Time only shortens what
 * it has left: if that ever grows (its read finished between the
 * generation's count and its new deadline), every source is asked again. A
 * state where some source is already stale is not kept: a read is then in
 * flight, and the deadlines are about to move.
 */
export class FirstStale {
  private known: { config: SourcesConfig; generation: number; source: string | null; leftMs: number } | null = null;

  /** `remainingMs`: milliseconds until a source's snapshot goes stale (0 when it is). */
  constructor(private readonly remainingMs: (sourceId: string) => number) {}

  /** Milliseconds until the first of `sources` goes stale: Infinity with none, 0 when one is. */
  leftMs(config: SourcesConfig, generation: number, sources: () => readonly SourceConfig[]): number {
    const known = this.known;
    if (known && known.config === config && known.generation === generation) {
      if (known.source === null) return Number.POSITIVE_INFINITY;
      const left = this.remainingMs(known.source);
      if (left <= known.leftMs) {
        known.leftMs = left;
        if (left <= 0) this.known = null;
        return Math.max(0, left);
      }
    }
    let source: string | null = null;
    let leftMs = Number.POSITIVE_INFINITY;
    for (const candidate of sources()) {
      const left = this.remainingMs(candidate.id);
      if (left >= leftMs) continue;
      source = candidate.id;
      leftMs = left;
    }
    this.known = leftMs > 0 ? { config, generation, source, leftMs } : null;
    return Math.max(0, leftMs);
  }
}
