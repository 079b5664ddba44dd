import { parse, validate, type GraphQLSchema } from "graphql";
import { useAPQ } from "@graphql-yoga/plugin-apq";
import type { Plugin } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import { sha256Hex } from "./persisted-operations.ts";
import type { SharedOperationsStore } from "./shared-persisted-operations.ts";

/** The largest document anyone may register: anyone can, so each one is bounded (a real page's query is a few KB). */
export const APQ_MAX_DOCUMENT_BYTES = 32 * 1024;
/** Documents kept in this process, by count and characters, each for at most this long before Redis is asked again. */
export const APQ_MEMORY_MAX = 1000;
export const APQ_MEMORY_CHARS = 4 * 1024 * 1024;
export const APQ_MEMORY_TTL_MS = 60 * 60_000;
/** How long a registered document stays in Redis after it was registered or last read from there. */
export const APQ_REDIS_TTL_MS = 24 * 60 * 60_000;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where automatic persisted queries are kept: this process's memory, and the cluster's Redis when there is one. */
export interface ApqStore {
  /** The document registered under a sha256, or null. Memory first (no promise), then Redis. */
  get(hash: string): string | null | Promise<string | null>;
  /** Registers a document under its sha256 (already checked by the caller); refused silently when over the caps or invalid. */
  set(hash: string, document: string): Promise<void>;
}

export interface ApqStoreOptions {
  /** The cluster's Redis (a `SharedCache` fits). @default none: this process alone */
  shared?: SharedOperationsStore | null;
  /** The schema as served (with @defer and @stream): only documents that validate against it are kept. */
  schema: () => GraphQLSchema;
}

/**
 * The store of automatic persisted queries (APQ). Anyone may register a
 * document, so what is kept is bounded: a document over
 * `APQ_MAX_DOCUMENT_BYTES` or one that does not parse and validate is not
 * kept (the request still runs, and fails, as any other); memory holds
 * `APQ_MEMORY_MAX` documents (`APQ_MEMORY_CHARS` characters) for at most
 * `APQ_MEMORY_TTL_MS`; Redis holds each for `APQ_REDIS_TTL_MS` after its
 * registration or its last read (`GETEX`), under `<prefix>apq:<sha256>`. A
 * document read from Redis must hash to its key (Redis can add a document,
 * never change one). When Redis fails, memory alone answers: a client told
 * `PersistedQueryNotFound` sends its document again.
 */
export function createApqStore({ shared = null, schema }: ApqStoreOptions): ApqStore {
  const memory = new LRUCache<string, string>({
    max: APQ_MEMORY_MAX,
    maxSize: APQ_MEMORY_CHARS,
    ttl: APQ_MEMORY_TTL_MS,
    sizeCalculation: (document) => Math.max(1, document.length),
  });
  const key = (hash: string) => shared!.key("apq", hash);
  const keeps = (document: string): boolean => {
    if (document.length > APQ_MAX_DOCUMENT_BYTES || Buffer.byteLength(document) > APQ_MAX_DOCUMENT_BYTES) return false;
    try {
      return validate(schema(), parse(document)).length === 0;
    } catch {
      return false;
    }
  };
  return {
    get(hash) {
      const normalized = hash.toLowerCase();
      const known = memory.get(normalized);
      if (known !== undefined) return known;
      if (!shared || !SHA256_HEX.test(normalized)) return null;
      return shared.call(shared.redis.getex(key(normalized), "PX", APQ_REDIS_TTL_MS), "persisted-operations").then((document) => {
        if (!document || Buffer.byteLength(document) > APQ_MAX_DOCUMENT_BYTES || sha256Hex(document) !== normalized) return null;
        memory.set(normalized, document);
        return document;
      });
    },
    async set(hash, document) {
      const normalized = hash.toLowerCase();
      if (memory.has(normalized) || !keeps(document)) return;
      memory.set(normalized, document);
      if (shared) await shared.call(shared.redis.set(key(normalized), document, "PX", APQ_REDIS_TTL_MS), "persisted-operations");
    },
  };
}

/**
 * Automatic persisted queries, as Apollo Client's persisted-queries link and
 * urql's persistedExchange speak them: a request with
 * `extensions.persistedQuery.sha256Hash` and no `query` runs the document
 * registered under that hash, or gets `PersistedQueryNotFound`
 * (`PERSISTED_QUERY_NOT_FOUND`, HTTP 404), on which the client sends the
 * document with its hash, which registers it (`PersistedQueryMismatch`, 400,
 * when the hash is not the document's). Yoga's `useAPQ`, over `store`.
 *
 * Not for allow-list mode: there only listed documents run (see usePersistedAllowList).
 * Register it before the plugins that read the document (`useHttpCaching`'s
 * tags, the limits).
 */
export function useAutomaticPersistedQueries({ store }: { store: ApqStore }): Plugin {
  return useAPQ({
    store: { get: (hash) => store.get(hash), set: (hash, document) => store.set(hash, document) },
    hash: (document) => sha256Hex(document),
  });
}
