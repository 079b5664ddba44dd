/**
 * A column of numbers per record (per article slot, per term) in chunks of
 * 2^bits records, `stride` numbers each. It grows by adding a chunk, never by
 * copying what it holds: a typed array grown by doubling would copy hundreds
 * of MiB at a million articles, in the one update that happens to cross a
 * power of two. Record r is in chunk `r >>> bits` at `(r & mask) * stride`.
 * One class per kind of array, so that each class's accessors meet a single
 * kind and stay fast (one shared accessor over several kinds would not).
 */
abstract class Column<T extends Int32Array | Uint8Array | Float64Array> {
  readonly chunks: T[] = [];
  readonly mask: number;

  constructor(
    readonly bits: number,
    readonly stride = 1,
  ) {
    this.mask = (1 << bits) - 1;
  }

  /** Makes room for records up to `record`: new chunks are zeros. */
  reach(record: number): void {
    while (record >>> this.bits >= this.chunks.length) this.chunks.push(this.make((1 << this.bits) * this.stride));
  }

  protected abstract make(length: number): T;
}

export class Int32Column extends Column<Int32Array> {
  get(record: number, at = 0): number {
    return this.chunks[record >>> this.bits]![(record & this.mask) * this.stride + at]!;
  }

  set(record: number, value: number, at = 0): void {
    this.chunks[record >>> this.bits]![(record & this.mask) * this.stride + at] = value;
  }

  protected make(length: number): Int32Array {
    return new Int32Array(length);
  }
}

export class Uint8Column extends Column<Uint8Array> {
  get(record: number, at = 0): number {
    return this.chunks[record >>> this.bits]![(record & this.mask) * this.stride + at]!;
  }

  set(record: number, value: number, at = 0): void {
    this.chunks[record >>> this.bits]![(record & this.mask) * this.stride + at] = value;
  }

  protected make(length: number): Uint8Array {
    return new Uint8Array(length);
  }
}

export class Float64Column extends Column<Float64Array> {
  get(record: number, at = 0): number {
    return this.chunks[record >>> this.bits]![(record & this.mask) * this.stride + at]!;
  }

  set(record: number, value: number, at = 0): void {
    this.chunks[record >>> this.bits]![(record & this.mask) * this.stride + at] = value;
  }

  protected make(length: number): Float64Array {
    return new Float64Array(length);
  }
}

/**
 * Names (terms, tags) as small numbers, with how many articles hold each: a
 * name no article holds any more gives its number back, to be reused, so the
 * numbers stay as few as the names in use whatever the churn.
 */
export class CountedNames {
  private readonly numbers = new Map<string, number>();
  /** Each number's name (the same strings the map holds). */
  private readonly names: string[] = [];
  private readonly unused: number[] = [];
  private size = 0;
  readonly counts = new Int32Column(14);

  numberOf(name: string): number | undefined {
    return this.numbers.get(name);
  }

  /** The name a number stands for (while some article holds it). */
  nameOf(number: number): string {
    return this.names[number]!;
  }

  /** One more article holds `name`: its number. */
  add(name: string): number {
    let number = this.numbers.get(name);
    if (number === undefined) {
      number = this.unused.pop() ?? this.size++;
      this.counts.reach(number);
      this.numbers.set(name, number);
      this.names[number] = name;
    }
    this.counts.set(number, this.counts.get(number) + 1);
    return number;
  }

  /** One article fewer holds `name` (which one did): its number, free for another name once no article holds it. */
  remove(name: string): number {
    const number = this.numbers.get(name);
    if (number === undefined) throw new RangeError(`no article holds ${JSON.stringify(name)}`);
    const count = this.counts.get(number) - 1;
    this.counts.set(number, count);
    if (count === 0) {
      this.numbers.delete(name);
      this.names[number] = "";
      this.unused.push(number);
    }
    return number;
  }
}
