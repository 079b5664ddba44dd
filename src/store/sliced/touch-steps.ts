import type { Steps } from "./time-slice.ts";

/** Bytes written per step when touching a fresh array: about a millisecond even where fresh pages cost most. */
const TOUCH_STEP_BYTES = 256 * 1024;

/**
 * Writes every page of a freshly allocated typed array, a slice per step,
 * before a loop that writes it out of order. The system hands out a large
 * array's memory only as its pages are first written; a scatter loop (postings
 * placed at their terms' offsets) writes nearly every page of tens of MiB in
 * its first few hundred documents, and that one step would then pay for them
 * all, a stall of the event loop wherever fresh pages are dear. Where they
 * are cheap this is just a memset of the array, spread over steps.
 */
export function* touchSteps(array: Int32Array | Uint16Array | Float32Array): Steps<void> {
  const perStep = Math.max(1, Math.floor(TOUCH_STEP_BYTES / array.BYTES_PER_ELEMENT));
  for (let start = 0; start < array.length; start += perStep) {
    array.fill(0, start, start + perStep);
    yield;
  }
}
