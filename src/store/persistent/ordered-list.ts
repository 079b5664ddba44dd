/** A total order: negative when `a` comes first, positive when `b` does, 0 only for the same item. */
export type Compare<T> = (a: T, b: T) => number;

/**
 * What one `with` call built, for callers (and tests) that hold its cost to
 * the size of the change rather than the size of the list. Pass the same
 * object to several calls to add them up.
 */
export interface EditStats {
  /** Nodes (leaves and branches) allocated: path copies, splits, merges, a new root. */
  nodes: number;
  /** Array slots written into those new nodes: the work copying costs. */
  slots: number;
  /** Calls that merged the change into the whole list in one pass (O(n)), because it was large next to the list. */
  rebuilds: number;
}

/** Items a leaf holds at most; 64 pointers keep a path copy cheap and a leaf one cache-friendly run. */
const LEAF_MAX = 64;
/** Children a branch holds at most. */
const BRANCH_MAX = 64;
/** Fewest items or children a node other than the root holds, so the depth stays about log64(n). */
const LEAF_MIN = LEAF_MAX >> 1;
const BRANCH_MIN = BRANCH_MAX >> 1;
/**
 * Entries a freshly built node gets: three quarters full, so the changes
 * that follow a build fill its nodes for a while instead of splitting every
 * one they touch. Costs about a quarter more leaf headers: 0.3 bytes an item.
 */
const BUILD_FILL = 48;
/**
 * A change of more than a leaf's worth of items and more than length /
 * REBUILD_RATIO of them merges into a fresh tree (O(n + k log k)) instead of
 * walking one path per item (O(k log n) with larger constants): at a million
 * items the two cost the same near 25,000 changed items, and filling an empty
 * list is a sort. A small change never takes that road.
 */
const REBUILD_RATIO = 32;

/**
 * An inner node. `keys[i]` is the first item under `children[i]` (what
 * searches route by) and `ends[i]` the number of items under children 0..i
 * (what positions route by). A leaf is a bare array of items: a million items
 * make some 16,000 to 31,000 leaves and only a few hundred branches, so
 * leaves carry no header beyond the array's own.
 */
class Branch<T> {
  constructor(
    public children: Node<T>[],
    public keys: T[],
    public ends: number[],
  ) {}
}

type Node<T> = T[] | Branch<T>;

const isBranch = <T>(node: Node<T>): node is Branch<T> => node instanceof Branch;

/** Items under a node. */
const countOf = <T>(node: Node<T>): number => (isBranch(node) ? node.ends[node.ends.length - 1]! : node.length);

/** Entries (items or children) a node holds, which its bounds apply to. */
const widthOf = <T>(node: Node<T>): number => (isBranch(node) ? node.children.length : node.length);

/** The first item under a non-empty node. */
const firstOf = <T>(node: Node<T>): T => (isBranch(node) ? node.keys[0]! : node[0]!);

/** A branch over `children`, its routing keys and running counts computed. */
function branchOf<T>(children: Node<T>[]): Branch<T> {
  const keys: T[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const child of children) {
    keys.push(firstOf(child));
    total += countOf(child);
    ends.push(total);
  }
  return new Branch(children, keys, ends);
}

/**
 * First index in `ends` whose running count passes `position`: the child
 * holding that position, among children holding `count` items in all.
 * Children hold between half and all of their bound, so the child a
 * proportional guess names is at most a few steps away: reading one or two
 * cache lines of `ends` rather than the six a binary search touches.
 */
function childAt(ends: readonly number[], position: number, count: number): number {
  let index = Math.floor((position * ends.length) / count);
  while (index > 0 && ends[index - 1]! > position) index--;
  while (ends[index]! <= position) index++;
  return index;
}

/** The child an item belongs under: the last whose first item is not after it (the first child for items before all). */
function childFor<T>(keys: readonly T[], item: T, compare: Compare<T>): number {
  let low = 1;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compare(keys[middle]!, item) > 0) high = middle;
    else low = middle + 1;
  }
  return low - 1;
}

/** First index in a leaf whose item is not before `item`. */
function lowerBoundIn<T>(items: readonly T[], item: T, compare: Compare<T>): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compare(items[middle]!, item) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Cuts entries into runs of about BUILD_FILL (never more than `max` nor, when
 * there are two runs or more, fewer than `min`) whose sizes differ by at most
 * one: the nodes of a freshly built level.
 */
function evenRuns<N>(items: readonly N[], max: number, min: number): N[][] {
  const n = items.length;
  const parts = Math.max(Math.ceil(n / max), Math.min(Math.ceil(n / BUILD_FILL), Math.floor(n / min)));
  const runs: N[][] = [];
  for (let part = 0; part < parts; part++) runs.push(items.slice(Math.floor((part * n) / parts), Math.floor(((part + 1) * n) / parts)));
  return runs;
}

/** A tree over items already sorted and distinct, every level built once. */
function buildTree<T>(items: readonly T[]): Node<T> {
  if (items.length <= LEAF_MAX) return items.slice();
  let level: Node<T>[] = evenRuns(items, LEAF_MAX, LEAF_MIN);
  while (level.length > 1) level = evenRuns(level, BRANCH_MAX, BRANCH_MIN).map(branchOf);
  return level[0]!;
}

/**
 * One `with` call's working state. Branches it allocated are its own until
 * the call returns (no other version can see them), so later items of the
 * same batch change them in place instead of copying them again: a batch
 * copies each branch on its paths once. Leaves are never changed in place:
 * each change builds the leaf anew at its exact length (64 slots, about what
 * shifting them in place would cost), so no leaf carries spare capacity.
 */
class Edit<T> {
  private readonly owned = new Set<Branch<T>>();
  /** Whether the last single insert or removal changed anything. */
  changed = false;
  /** How the last single insert or removal changed the number of items: +1, 0 (a replacement) or -1. */
  delta = 0;
  /** The right half split off the node an insert just returned, for its parent to take in next to it. */
  right: Node<T> | undefined = undefined;

  constructor(
    readonly compare: Compare<T>,
    private readonly stats: EditStats | undefined,
  ) {}

  /** Registers a node this call allocated for the new version. */
  fresh<N extends Node<T>>(node: N): N {
    if (isBranch(node)) this.owned.add(node);
    if (this.stats) {
      this.stats.nodes++;
      this.stats.slots += widthOf(node);
    }
    return node;
  }

  /** The branch itself if this call owns it, else its copy. */
  branch(branch: Branch<T>): Branch<T> {
    return this.owned.has(branch) ? branch : this.fresh(new Branch(branch.children.slice(), branch.keys.slice(), branch.ends.slice()));
  }
}

/** A new packed array of exact length: `items` with `count` of them at `at` replaced by `insert`. */
function spliced<T>(items: readonly T[], at: number, count: number, insert: readonly T[]): T[] {
  return items.slice(0, at).concat(insert, items.slice(at + count));
}

/** `node` with `item` in it: an equal item replaced, else inserted. A node that overflows returns its left half and leaves the right one in `edit.right`. */
function insertInto<T>(edit: Edit<T>, node: Node<T>, item: T): Node<T> {
  if (!isBranch(node)) return insertIntoLeaf(edit, node, item);
  const index = childFor(node.keys, item, edit.compare);
  const child = insertInto(edit, node.children[index]!, item);
  if (!edit.changed) return node;
  const branch = edit.branch(node);
  branch.children[index] = child;
  branch.keys[index] = firstOf(child);
  if (edit.delta !== 0) for (let i = index; i < branch.ends.length; i++) branch.ends[i]! += edit.delta;
  const right = edit.right;
  if (right === undefined) return branch;
  edit.right = undefined;
  branch.children.splice(index + 1, 0, right);
  branch.keys.splice(index + 1, 0, firstOf(right));
  branch.ends.splice(index, 0, branch.ends[index]! - countOf(right));
  return branch.children.length > BRANCH_MAX ? splitBranch(edit, branch) : branch;
}

function insertIntoLeaf<T>(edit: Edit<T>, leaf: T[], item: T): T[] {
  const at = lowerBoundIn(leaf, item, edit.compare);
  if (at < leaf.length && edit.compare(leaf[at]!, item) === 0) {
    if (leaf[at] === item) return leaf;
    edit.changed = true;
    edit.delta = 0;
    return edit.fresh(spliced(leaf, at, 1, [item]));
  }
  edit.changed = true;
  edit.delta = 1;
  if (leaf.length < LEAF_MAX) return edit.fresh(spliced(leaf, at, 0, [item]));
  // Full: the two halves straight from the old leaf, never a 65-item one in between.
  const half = (leaf.length + 1) >> 1;
  if (at < half) {
    edit.right = edit.fresh(leaf.slice(half - 1));
    return edit.fresh(spliced(leaf.slice(0, half - 1), at, 0, [item]));
  }
  edit.right = edit.fresh(spliced(leaf.slice(half), at - half, 0, [item]));
  return edit.fresh(leaf.slice(0, half));
}

/** Splits an owned, overflowing branch: it keeps the left half and the right half goes to `edit.right`. */
function splitBranch<T>(edit: Edit<T>, branch: Branch<T>): Branch<T> {
  const half = branch.children.length >> 1;
  edit.right = edit.fresh(branchOf(branch.children.splice(half)));
  branch.keys.length = half;
  branch.ends.length = half;
  return branch;
}

/** `node` without the item equal to `item`; unchanged (the same node) when there is none. A child that underflows is mended here, the root by the caller. */
function removeFrom<T>(edit: Edit<T>, node: Node<T>, item: T): Node<T> {
  if (!isBranch(node)) {
    const at = lowerBoundIn(node, item, edit.compare);
    if (at >= node.length || edit.compare(node[at]!, item) !== 0) return node;
    edit.changed = true;
    edit.delta = -1;
    return edit.fresh(spliced(node, at, 1, []));
  }
  const index = childFor(node.keys, item, edit.compare);
  const child = removeFrom(edit, node.children[index]!, item);
  if (!edit.changed) return node;
  const branch = edit.branch(node);
  branch.children[index] = child;
  for (let i = index; i < branch.ends.length; i++) branch.ends[i]!--;
  if (widthOf(child) < (isBranch(child) ? BRANCH_MIN : LEAF_MIN)) mendChild(edit, branch, index);
  else branch.keys[index] = firstOf(child);
  return branch;
}

/**
 * Mends the underfull child at `index` of an owned branch with a neighbour:
 * merged into one node when both fit, else their entries shared evenly. The
 * neighbour is read, never changed, so it may belong to older versions.
 */
function mendChild<T>(edit: Edit<T>, parent: Branch<T>, index: number): void {
  const first = index > 0 ? index - 1 : index;
  const left = parent.children[first]!;
  const right = parent.children[first + 1]!;
  const before = first > 0 ? parent.ends[first - 1]! : 0;
  const max = isBranch(left) ? BRANCH_MAX : LEAF_MAX;
  if (widthOf(left) + widthOf(right) <= max) {
    const merged = isBranch(left)
      ? edit.fresh(branchOf(left.children.concat((right as Branch<T>).children)))
      : edit.fresh(left.concat(right as T[]));
    parent.children.splice(first, 2, merged);
    parent.keys.splice(first, 2, firstOf(merged));
    parent.ends.splice(first, 1);
    return;
  }
  const [newLeft, newRight] = isBranch(left) ? shareChildren(edit, left, right as Branch<T>) : shareItems(edit, left, right as T[]);
  parent.children.splice(first, 2, newLeft, newRight);
  parent.keys.splice(first, 2, firstOf(newLeft), firstOf(newRight));
  parent.ends[first] = before + countOf(newLeft);
}

function shareItems<T>(edit: Edit<T>, left: T[], right: T[]): [T[], T[]] {
  const all = left.concat(right);
  const half = all.length >> 1;
  return [edit.fresh(all.slice(0, half)), edit.fresh(all.slice(half))];
}

function shareChildren<T>(edit: Edit<T>, left: Branch<T>, right: Branch<T>): [Branch<T>, Branch<T>] {
  const all = left.children.concat(right.children);
  const half = all.length >> 1;
  return [edit.fresh(branchOf(all.slice(0, half))), edit.fresh(branchOf(all.slice(half)))];
}

/** Normalizes a slice bound exactly as Array.prototype.slice does (ToIntegerOrInfinity, negatives from the end, clamped). */
function sliceBound(value: number | undefined, length: number, otherwise: number): number {
  if (value === undefined) return otherwise;
  const integer = Number.isNaN(value) ? 0 : Math.trunc(value);
  return integer < 0 ? Math.max(length + integer, 0) : Math.min(integer, length);
}

/**
 * Walks the leaves from a position on: the path from the root is kept, so
 * each next item costs O(1) amortized and no position is looked up twice.
 */
class Cursor<T> implements IterableIterator<T> {
  /** The current leaf and the position of the next item in it. */
  leaf: readonly T[];
  offset: number;
  private readonly path: Branch<T>[] = [];
  private readonly indexes: number[] = [];

  constructor(root: Node<T>, start: number) {
    let node = root;
    let position = start;
    let count = countOf(root);
    if (position >= count) {
      this.leaf = [];
      this.offset = 0;
      return;
    }
    while (isBranch(node)) {
      const ends = node.ends;
      const index = childAt(ends, position, count);
      const before = index > 0 ? ends[index - 1]! : 0;
      position -= before;
      count = ends[index]! - before;
      this.path.push(node);
      this.indexes.push(index);
      node = node.children[index]!;
    }
    this.leaf = node;
    this.offset = position;
  }

  /** Moves to the start of the next leaf; false at the end of the list. */
  nextLeaf(): boolean {
    let depth = this.path.length - 1;
    while (depth >= 0 && this.indexes[depth]! + 1 >= this.path[depth]!.children.length) depth--;
    if (depth < 0) return false;
    this.indexes[depth]!++;
    let node = this.path[depth]!.children[this.indexes[depth]!]!;
    for (let below = depth + 1; below < this.path.length; below++) {
      const branch = node as Branch<T>;
      this.path[below] = branch;
      this.indexes[below] = 0;
      node = branch.children[0]!;
    }
    this.leaf = node as T[];
    this.offset = 0;
    return true;
  }

  next(): IteratorResult<T, undefined> {
    if (this.offset >= this.leaf.length && !this.nextLeaf()) return { done: true, value: undefined };
    return { done: false, value: this.leaf[this.offset++]! };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * An immutable sorted list of distinct items (under `compare`) with positions:
 * a persistent order-statistic B+tree.
 *
 * It exists so that the catalog can publish immutable versions that share
 * structure: a change of k items (one source's ten new stories and ten gone)
 * builds a new version in O(k log n) by copying only the nodes on the changed
 * paths, while every version already handed out (to requests in flight) stays
 * valid and unchanged, and no change rebuilds a million-item list.
 *
 * Leaves hold up to 64 items in plain arrays; branches hold their children,
 * each child's first item (to find an item) and running item counts (to find
 * a position). Every node but the root is at least half full, so the depth
 * stays between log64(n) and log32(n) (four levels at a million items)
 * whatever sequence of changes came before.
 */
export class OrderedList<T> implements Iterable<T> {
  readonly length: number;

  private constructor(
    private readonly root: Node<T>,
    readonly compare: Compare<T>,
  ) {
    this.length = countOf(root);
  }

  static empty<T>(compare: Compare<T>): OrderedList<T> {
    return new OrderedList<T>([], compare);
  }

  /** O(n): items already sorted by compare, no two equal under compare (throw a RangeError naming the position otherwise). */
  static fromSorted<T>(items: readonly T[], compare: Compare<T>): OrderedList<T> {
    for (let i = 1; i < items.length; i++) {
      const order = compare(items[i - 1]!, items[i]!);
      if (order >= 0) {
        const problem = order === 0 ? "equal to" : "before";
        throw new RangeError(`OrderedList.fromSorted: the item at position ${i} is ${problem} the item at position ${i - 1}`);
      }
    }
    return new OrderedList(buildTree(items), compare);
  }

  /** The item at a position, O(log n); undefined out of range or for a non-integer (no negative indexing). */
  at(index: number): T | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) return undefined;
    let node = this.root;
    let position = index;
    let count = this.length;
    while (isBranch(node)) {
      const ends = node.ends;
      const child = childAt(ends, position, count);
      const before = child > 0 ? ends[child - 1]! : 0;
      position -= before;
      count = ends[child]! - before;
      node = node.children[child]!;
    }
    return node[position];
  }

  /** Exactly Array.prototype.slice over the items, in O(log n + k) for k items. */
  slice(start?: number, end?: number): T[] {
    const from = sliceBound(start, this.length, 0);
    const to = sliceBound(end, this.length, this.length);
    const out: T[] = [];
    let remaining = to - from;
    if (remaining <= 0) return out;
    const cursor = new Cursor(this.root, from);
    for (;;) {
      const { leaf, offset } = cursor;
      const stop = Math.min(leaf.length, offset + remaining);
      for (let i = offset; i < stop; i++) out.push(leaf[i]!);
      remaining -= stop - offset;
      if (remaining === 0 || !cursor.nextLeaf()) return out;
    }
  }

  /** Position of the item equal under compare, or -1. O(log n). */
  indexOf(item: T): number {
    const at = this.lowerBound(item);
    return at < this.length && this.compare(this.at(at)!, item) === 0 ? at : -1;
  }

  has(item: T): boolean {
    return this.indexOf(item) >= 0;
  }

  /** Position where an item would be inserted: first index whose element is not < item (lower bound). O(log n). */
  lowerBound(item: T): number {
    let node = this.root;
    let before = 0;
    while (isBranch(node)) {
      const child = childFor(node.keys, item, this.compare);
      if (child > 0) before += node.ends[child - 1]!;
      node = node.children[child]!;
    }
    return before + lowerBoundIn(node, item, this.compare);
  }

  /**
   * A new list: `remove` (matched by compare equality; absent ones ignored)
   * taken out, then `insert` put in. `this` is unchanged. An inserted item
   * equal under compare to one present (after removals) replaces it; of two
   * inserted items equal to each other the later wins. Cost O(k log n) plus
   * the nodes copied on the changed paths; a change of more than 64 items
   * and more than a 32nd of the list is merged into a fresh tree instead, in
   * O(n + k log k).
   * Returns `this` when nothing changed. `stats`, when given, is added to.
   */
  with(changes: { insert?: readonly T[]; remove?: readonly T[] }, stats?: EditStats): OrderedList<T> {
    const insert = changes.insert ?? [];
    const remove = changes.remove ?? [];
    const size = insert.length + remove.length;
    if (size === 0) return this;
    if (size > LEAF_MAX && size * REBUILD_RATIO > this.length) return this.merged(insert, remove, stats);
    const edit = new Edit(this.compare, stats);
    let root = this.root;
    for (const item of remove) {
      edit.changed = false;
      root = removeFrom(edit, root, item);
      while (isBranch(root) && root.children.length === 1) root = root.children[0]!;
    }
    for (const item of insert) {
      edit.changed = false;
      root = insertInto(edit, root, item);
      if (edit.right !== undefined) {
        root = edit.fresh(branchOf([root, edit.right]));
        edit.right = undefined;
      }
    }
    return root === this.root ? this : new OrderedList(root, this.compare);
  }

  /** Items that pass `test`, in order, from one walk over the leaves. */
  filter(test: (item: T) => boolean): T[] {
    const out: T[] = [];
    const cursor = new Cursor(this.root, 0);
    do {
      for (const item of cursor.leaf) if (test(item)) out.push(item);
    } while (cursor.nextLeaf());
    return out;
  }

  toArray(): T[] {
    return this.slice();
  }

  [Symbol.iterator](): Iterator<T> {
    return new Cursor(this.root, 0);
  }

  /** Iterates items from `start` (a position, an integer ≥ 0; past the end yields nothing) onward without materializing. */
  valuesFrom(start: number): IterableIterator<T> {
    if (!Number.isInteger(start) || start < 0) throw new RangeError(`OrderedList.valuesFrom: ${start} is not a position`);
    return new Cursor(this.root, start);
  }

  /** Levels from the root to the leaves (1 for a lone leaf). For tests and diagnostics. */
  depth(): number {
    let levels = 1;
    for (let node = this.root; isBranch(node); node = node.children[0]!) levels++;
    return levels;
  }

  /**
   * Checks every structural invariant and returns the depth; throws an Error
   * naming the first one broken. O(n): for tests, never on a request path.
   * Leaves all at one depth; every node but the root at least half full and
   * none over full; a branch root with two children or more; routing keys and
   * running counts true to the children; items strictly increasing.
   */
  checkInvariants(): number {
    const compare = this.compare;
    let leafDepth = -1;
    let previous: { item: T } | undefined;
    const visit = (node: Node<T>, level: number, isRoot: boolean): number => {
      const width = widthOf(node);
      const [min, max] = isBranch(node) ? [isRoot ? 2 : BRANCH_MIN, BRANCH_MAX] : [isRoot ? 0 : LEAF_MIN, LEAF_MAX];
      if (width < min || width > max) throw new Error(`node at level ${level} holds ${width} entries, outside ${min}..${max}`);
      if (!isBranch(node)) {
        if (leafDepth === -1) leafDepth = level;
        else if (leafDepth !== level) throw new Error(`leaves at levels ${leafDepth} and ${level}`);
        for (const item of node) {
          if (previous && compare(previous.item, item) >= 0) throw new Error("items out of order");
          previous = { item };
        }
        return node.length;
      }
      if (node.keys.length !== width || node.ends.length !== width) throw new Error(`branch at level ${level} has mismatched arrays`);
      let total = 0;
      node.children.forEach((child, i) => {
        if (node.keys[i] !== firstOf(child)) throw new Error(`routing key ${i} at level ${level} is not its child's first item`);
        total += visit(child, level + 1, false);
        if (node.ends[i] !== total) throw new Error(`running count ${i} at level ${level} is ${node.ends[i]}, not ${total}`);
      });
      return total;
    };
    const total = visit(this.root, 1, true);
    if (total !== this.length) throw new Error(`length ${this.length} but ${total} items`);
    return leafDepth;
  }

  /** The list after a large change, merged in one pass: O(n + k log k), no structure shared. */
  private merged(insert: readonly T[], remove: readonly T[], stats: EditStats | undefined): OrderedList<T> {
    const compare = this.compare;
    const gone = remove.slice().sort(compare);
    // A stable sort keeps equal inserts in call order, so the last of a run is the one that wins.
    const sorted = insert.slice().sort(compare);
    const added: T[] = [];
    for (let i = 0; i < sorted.length; i++) {
      if (i + 1 < sorted.length && compare(sorted[i]!, sorted[i + 1]!) === 0) continue;
      added.push(sorted[i]!);
    }
    const out: T[] = [];
    let changed = false;
    let g = 0;
    let a = 0;
    for (const item of this) {
      while (g < gone.length && compare(gone[g]!, item) < 0) g++;
      const removed = g < gone.length && compare(gone[g]!, item) === 0;
      while (a < added.length && compare(added[a]!, item) < 0) {
        out.push(added[a++]!);
        changed = true;
      }
      if (a < added.length && compare(added[a]!, item) === 0) {
        changed ||= added[a] !== item;
        out.push(added[a++]!);
      } else if (removed) changed = true;
      else out.push(item);
    }
    if (a < added.length) changed = true;
    while (a < added.length) out.push(added[a++]!);
    if (stats) stats.rebuilds++;
    if (!changed) return this;
    const root = buildTree(out);
    if (stats) countNodes(root, stats);
    return new OrderedList(root, compare);
  }
}

/** Adds a freshly built tree's nodes and slots to `stats`. */
function countNodes<T>(node: Node<T>, stats: EditStats): void {
  stats.nodes++;
  stats.slots += widthOf(node);
  if (isBranch(node)) for (const child of node.children) countNodes(child, stats);
}
