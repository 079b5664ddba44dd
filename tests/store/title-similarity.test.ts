import { describe, expect, it } from "vitest";
import { sameStoryTitles, titleSimilarity } from "../../src/store/catalog/title-similarity.ts";

describe("title similarity", () => {
  it("is 1 for equal titles, high for a changed word, low for other stories", () => {
    expect(titleSimilarity("Ocean heat record", "ocean heat record!")).toBe(1);
    expect(
      titleSimilarity("Ledgerline raises $85M Series B to automate B2B payments", "Ledgerline raises $85M Series B to automate payments"),
    ).toBeGreaterThan(0.88);
    expect(titleSimilarity("Ocean heat record stresses coral reefs", "Quantum error correction passes milestone")).toBeLessThan(0.5);
    expect(titleSimilarity("", "anything")).toBe(0);
  });

  it("requires the same numbers", () => {
    expect(sameStoryTitles("5 injured in Lyon crash", "5 injured in Lyon crash")).toBe(true);
    expect(sameStoryTitles("5 injured in Lyon crash", "6 injured in Lyon crash")).toBe(false);
  });
});
