import { parse } from "graphql";
import { expect, it } from "vitest";
import { createDocumentCaches, MAX_CACHED_DOCUMENT_CHARS } from "../../src/http/plugins/document-caches.ts";

it("keeps parsed documents and parse errors within a size, however long each document", () => {
  const { documentCache, errorCache } = createDocumentCaches();
  // Long documents as a client may send them: a comment is not a token, so no token limit refuses it.
  const padding = `#${"x".repeat(100_000)}\n`;
  for (let n = 0; n < 200; n++) {
    const text = `${padding}{ field${n} }`;
    documentCache.set(text, parse(text));
    errorCache.set(`${padding}{ broken${n}`, new Error("Syntax Error"));
  }
  expect(documentCache.calculatedSize).toBeLessThanOrEqual(MAX_CACHED_DOCUMENT_CHARS);
  expect(errorCache.calculatedSize).toBeLessThanOrEqual(MAX_CACHED_DOCUMENT_CHARS);
  // The most recent are kept, the oldest went first.
  expect(documentCache.get(`${padding}{ field199 }`)).toBeDefined();
  expect(documentCache.get(`${padding}{ field0 }`)).toBeUndefined();
  // Short documents, the usual kind, are kept by the thousand.
  for (let n = 0; n < 1000; n++) documentCache.set(`{ articles(first: ${n}) { totalCount } }`, parse("{ a }"));
  expect(documentCache.get("{ articles(first: 0) { totalCount } }")).toBeDefined();
  expect(documentCache.size).toBeGreaterThanOrEqual(1000);
});
