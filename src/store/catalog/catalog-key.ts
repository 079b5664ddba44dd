/** What a source holds, as far as a catalog is concerned. */
interface HeldContent {
  sourceId: string;
  contentHash: string;
}

/**
 * What a catalog was built from: each enabled source's content hash, in the
 * configuration's order. Compared in place against what the sources hold
 * now: every request during a refresh round asks whether the catalog is
 * still current, so no string of every id and hash is joined to answer.
 */
export class CatalogKey {
  private constructor(
    private readonly ids: readonly string[],
    private readonly hashes: readonly string[],
  ) {}

  static of(held: readonly HeldContent[]): CatalogKey {
    return new CatalogKey(
      held.map((content) => content.sourceId),
      held.map((content) => content.contentHash),
    );
  }

  /** Whether `held` (the enabled sources' content, in order; undefined where nothing is held) is what this key was made of. */
  matches(held: readonly (HeldContent | undefined)[]): boolean {
    if (held.length !== this.ids.length) return false;
    for (let i = 0; i < held.length; i++) {
      const content = held[i];
      if (content === undefined || content.sourceId !== this.ids[i] || content.contentHash !== this.hashes[i]) return false;
    }
    return true;
  }

  /** `matches` for the sources' content looked up one by one, without collecting it first. */
  matchesSources(sources: readonly { id: string }[], heldBy: (sourceId: string) => HeldContent | undefined): boolean {
    if (sources.length !== this.ids.length) return false;
    for (let i = 0; i < sources.length; i++) {
      const id = sources[i]!.id;
      if (id !== this.ids[i] || heldBy(id)?.contentHash !== this.hashes[i]) return false;
    }
    return true;
  }

  /**
   * The positions in `held` (the enabled sources' content, in the order this
   * key was made in) whose content differs from what this key was made of;
   * null when `held` names other sources or in another order. One pass, no
   * map: a catalog of 10,000 sources asks this on every change.
   */
  changedIn(held: readonly HeldContent[]): number[] | null {
    if (held.length !== this.ids.length) return null;
    const changed: number[] = [];
    for (let i = 0; i < held.length; i++) {
      const content = held[i]!;
      if (content.sourceId !== this.ids[i]) return null;
      if (content.contentHash !== this.hashes[i]) changed.push(i);
    }
    return changed;
  }

  equals(other: CatalogKey): boolean {
    if (other.ids.length !== this.ids.length) return false;
    for (let i = 0; i < this.ids.length; i++) {
      if (other.ids[i] !== this.ids[i] || other.hashes[i] !== this.hashes[i]) return false;
    }
    return true;
  }
}
