import { BackgroundSteps, type Steps } from "../sliced/time-slice.ts";
import { followedBy, type StoryChange } from "./story-change.ts";

/** An index kept in place: it takes in each change of stories, tagged with the catalog version that change made. */
export interface UpdatableIndex {
  update(change: StoryChange, version: number): void;
}

/**
 * One index (search or related) shared by a line of catalog versions: built
 * from scratch for the first of the line, in the background, then changed in
 * place by every version made from it. Changes that come while the build is
 * still running wait, merged into one, and are taken in as it finishes, so
 * whoever gets the index gets it as of the newest version.
 */
export class LineageIndex<I extends UpdatableIndex> {
  private readonly steps: BackgroundSteps<I>;
  private pending: { change: StoryChange; version: number } | null = null;

  /** `onBuilt` is told once the index is built and has taken in the changes that waited. */
  constructor(build: Steps<I>, onBuilt: ((index: I) => void) | null = null) {
    this.steps = new BackgroundSteps(build, (index) => {
      this.flush(index);
      onBuilt?.(index);
    });
  }

  /** Takes in a change: now, or once the build is done. */
  update(change: StoryChange, version: number): void {
    if (this.steps.done) {
      this.steps.result().update(change, version);
      return;
    }
    this.pending = { change: this.pending ? followedBy(this.pending.change, change) : change, version };
  }

  get done(): boolean {
    return this.steps.done;
  }

  /** The index, finishing its build on the spot if need be. */
  result(): I {
    return this.steps.result();
  }

  /** The index once built, without holding the event loop (someone waiting makes the build urgent). */
  whenDone(): Promise<I> {
    return this.steps.whenDone();
  }

  start(): void {
    this.steps.start();
  }

  stop(): void {
    this.steps.stop();
  }

  private flush(index: I): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) index.update(pending.change, pending.version);
  }
}
