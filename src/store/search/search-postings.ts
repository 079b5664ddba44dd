import { ChunkedNumbers } from "../sliced/chunked-numbers.ts";
import { TermDictionary } from "./search-dictionary.ts";
import { sortSteps } from "../sliced/sort-steps.ts";
import { touchSteps } from "../sliced/touch-steps.ts";
import type { Steps } from "../sliced/time-slice.ts";

/** Fields in the order their term frequencies are packed. */
export const FIELD_COUNT = 4;
/** Occurrences of a term in one field counted at most: BM25 barely tells 15 from more. */
const MAX_FIELD_FREQUENCY = 15;
const BITS_PER_FIELD = 4;
/** Words of a field counted at most for its length. */
const MAX_FIELD_LENGTH = 0xffff;
/** Terms sorted natively per step of the dictionary's sort: a millisecond or two of string comparisons. */
const TERM_SORT_RUN = 2048;

/**
 * An inverted index in typed arrays. The postings of the term of rank r are
 * `docs[starts[r]..starts[r + 1])`, ascending, with, at the same positions in
 * `frequencies`, the term's count in each field, 4 bits a field. Per document,
 * `fieldLengths[doc * FIELD_COUNT + field]` words. About 6 bytes a posting,
 * where a Map of Maps per term costs ten times that.
 */
export interface Postings {
  dictionary: TermDictionary;
  starts: Uint32Array;
  docs: Int32Array;
  frequencies: Uint16Array;
  fieldLengths: Uint16Array;
  /** Mean words of each field over all documents. */
  averageFieldLengths: Float64Array;
  documentCount: number;
}

/** The build's record of (term, packed frequencies) per document. */
class EntryBuffer {
  readonly terms = new ChunkedNumbers((length) => new Int32Array(length));
  readonly frequencies = new ChunkedNumbers((length) => new Uint16Array(length));

  get length(): number {
    return this.terms.length;
  }

  push(term: number, frequencies: number): void {
    this.terms.push(term);
    this.frequencies.push(frequencies);
  }
}

/**
 * Builds the postings of `documentCount` documents whose fields' terms
 * `fieldsOf(doc)` returns, in two passes: the first counts each document's
 * terms into a flat buffer and each term's documents, the second places every
 * posting at its term's offset. No per-term object outlives the build. As
 * steps (see time-slice.ts): it yields every few documents.
 */
export function* buildPostings(documentCount: number, fieldsOf: (doc: number) => string[][]): Steps<Postings> {
  const ids = new Map<string, number>();
  const termsById: string[] = [];
  let documentFrequency = new Uint32Array(1 << 12);
  const fieldLengths = new Uint16Array(documentCount * FIELD_COUNT);
  const totals = new Float64Array(FIELD_COUNT);
  const entryEnds = new Uint32Array(documentCount);
  const entries = new EntryBuffer();
  // For each term, the last document it was seen in and its entry there: no Map per document.
  let lastDoc = new Int32Array(1 << 12).fill(-1);
  let lastEntry = new Uint32Array(1 << 12);

  for (let doc = 0; doc < documentCount; doc++) {
    const fields = fieldsOf(doc);
    for (let field = 0; field < FIELD_COUNT; field++) {
      const terms = fields[field] ?? [];
      fieldLengths[doc * FIELD_COUNT + field] = Math.min(terms.length, MAX_FIELD_LENGTH);
      totals[field]! += terms.length;
      const shift = field * BITS_PER_FIELD;
      for (const term of terms) {
        let id = ids.get(term);
        if (id === undefined) {
          id = termsById.length;
          ids.set(term, id);
          termsById.push(term);
          if (id === lastDoc.length) {
            const grownDoc = new Int32Array(id * 2).fill(-1);
            grownDoc.set(lastDoc);
            lastDoc = grownDoc;
            const grownEntry = new Uint32Array(id * 2);
            grownEntry.set(lastEntry);
            lastEntry = grownEntry;
            const grownFrequency = new Uint32Array(id * 2);
            grownFrequency.set(documentFrequency);
            documentFrequency = grownFrequency;
          }
        }
        if (lastDoc[id] !== doc) {
          lastDoc[id] = doc;
          lastEntry[id] = entries.length;
          documentFrequency[id]!++;
          entries.push(id, 1 << shift);
        } else {
          const entry = lastEntry[id]!;
          const packed = entries.frequencies.get(entry);
          if (((packed >> shift) & MAX_FIELD_FREQUENCY) < MAX_FIELD_FREQUENCY) entries.frequencies.set(entry, packed + (1 << shift));
        }
      }
    }
    entryEnds[doc] = entries.length;
    if ((doc & 31) === 31) yield;
  }
  yield;

  // Sorted in steps: the vocabulary grows with the catalog, and one sort of it all would hold the event loop.
  const byRank = yield* sortSteps(
    termsById.map((_, id) => id),
    (a, b) => (termsById[a]! < termsById[b]! ? -1 : termsById[a]! > termsById[b]! ? 1 : 0),
    TERM_SORT_RUN,
  );
  const rankOf = new Uint32Array(termsById.length);
  const starts = new Uint32Array(termsById.length + 1);
  byRank.forEach((id, rank) => {
    rankOf[id] = rank;
    starts[rank + 1] = starts[rank]! + documentFrequency[id]!;
  });
  const dictionary = new TermDictionary(byRank.map((id) => termsById[id]!));
  ids.clear();

  const docs = new Int32Array(entries.length);
  const frequencies = new Uint16Array(entries.length);
  yield* touchSteps(docs);
  yield* touchSteps(frequencies);
  const next = starts.slice(0, termsById.length);
  let entry = 0;
  for (let doc = 0; doc < documentCount; doc++) {
    for (const end = entryEnds[doc]!; entry < end; entry++) {
      const at = next[rankOf[entries.terms.get(entry)]!]!++;
      docs[at] = doc;
      frequencies[at] = entries.frequencies.get(entry);
    }
    if ((doc & 255) === 255) yield;
  }
  const averageFieldLengths = totals.map((total) => (documentCount > 0 ? total / documentCount : 0));
  return { dictionary, starts, docs, frequencies, fieldLengths, averageFieldLengths, documentCount };
}

/** The count of `field` in a posting's packed frequencies. */
export function fieldFrequency(packed: number, field: number): number {
  return (packed >> (field * BITS_PER_FIELD)) & MAX_FIELD_FREQUENCY;
}
