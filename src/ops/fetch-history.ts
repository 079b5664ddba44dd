/** Reads remembered per source, for the status page's charts. */
export const DEFAULT_FETCHES_KEPT = 50;
/** Sources remembered at most, whatever the configuration says (the feed cache's bound). */
export const MAX_SOURCES_TRACKED = 10_000;

export interface FetchRecord {
  /** When the read finished, epoch milliseconds. */
  at: number;
  durationMs: number;
  /** `ok`, `not-modified`, or the ingest error code. */
  status: string;
  ok: boolean;
  bytes: number;
  items: number;
}

/**
 * The last few reads of each source, in memory: a fixed-size ring per source
 * (old reads are overwritten, never accumulated) and a bound on the number of
 * sources, so a long-running process holds the same few kilobytes per source.
 */
export class FetchHistory {
  private readonly rings = new Map<string, { records: FetchRecord[]; next: number }>();

  constructor(private readonly capacity: number = DEFAULT_FETCHES_KEPT) {}

  record(sourceId: string, entry: FetchRecord): void {
    let ring = this.rings.get(sourceId);
    if (!ring) {
      // Maps iterate in insertion order: the first key is the source tracked longest.
      if (this.rings.size >= MAX_SOURCES_TRACKED) this.rings.delete(this.rings.keys().next().value!);
      this.rings.set(sourceId, (ring = { records: [], next: 0 }));
    }
    if (ring.records.length < this.capacity) ring.records.push(entry);
    else ring.records[ring.next] = entry;
    ring.next = (ring.next + 1) % this.capacity;
  }

  /** The source's remembered reads, oldest first. */
  recent(sourceId: string): FetchRecord[] {
    const ring = this.rings.get(sourceId);
    if (!ring) return [];
    if (ring.records.length < this.capacity) return [...ring.records];
    return [...ring.records.slice(ring.next), ...ring.records.slice(0, ring.next)];
  }

  /** Drops a removed source's reads. */
  forget(sourceId: string): void {
    this.rings.delete(sourceId);
  }
}
