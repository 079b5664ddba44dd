import type { SourceConfig, SourcesConfig } from "../../config/sources-file.ts";

import type { FeedCache } from "../source-cache/feed-cache.ts";
import { planReload, type ReloadPlan } from "./reload-plan.ts";
import type { Store } from "../store.ts";
import type { SourceSnapshot } from "../../model/source-snapshot.ts";

export interface ReloaderDeps {
  store: Store;
  feedCache: FeedCache;
  /** Reads one source against the given configuration; never rejects (readSource's contract). */
  read: (source: SourceConfig, config: SourcesConfig, previous: SourceSnapshot | undefined) => Promise<SourceSnapshot>;
  /** Called with each removed source, to drop what else is kept about it. */
  onRemoved?: (sourceId: string) => void;
}

/**
 * Switches the store to a new configuration without a failed or slowed
 * request: added and changed sources are read first, while requests keep
 * reading the old configuration and its complete catalog; then the store
 * switches in one synchronous step (new configuration, new snapshots primed,
 * removed sources dropped), and the catalog is rebuilt before the promise
 * resolves. Unchanged sources keep their cached snapshot untouched. Reloads
 * run one at a time, in the order asked.
 */
export function createReloader({ store, feedCache, read, onRemoved }: ReloaderDeps): (config: SourcesConfig) => Promise<ReloadPlan> {
  let queue: Promise<unknown> = Promise.resolve();

  const apply = async (next: SourcesConfig): Promise<ReloadPlan> => {
    const plan = planReload(store.config, next);
    const toRead = next.sources.filter((s) => plan.added.includes(s.id) || plan.changed.includes(s.id));
    const reads = await Promise.all(
      toRead.map(async (source) => {
        const previous = store.snapshot(source.id);
        // The held validators belong to the old URL and settings: a full read parses with the new ones,
        // and should it fail, the last good articles are still served (stale-if-error).
        const snapshot = await read(source, next, previous && { ...previous, etag: null, lastModified: null });
        return { source, snapshot };
      }),
    );
    store.reload(next);
    for (const { source, snapshot } of reads) feedCache.prime(source, snapshot);
    for (const id of plan.removed) {
      feedCache.delete(id);
      onRemoved?.(id);
    }
    await store.catalog();
    return plan;
  };

  return (next) => {
    const run = queue.then(() => apply(next));
    queue = run.catch(() => undefined);
    return run;
  };
}
