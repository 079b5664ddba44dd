import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { sha256Hex, type PersistedOperations } from "./persisted-operations.ts";

/**
 * How long an operation stays on the cluster's list after the last instance
 * whose file lists it stopped: instances that list it write it again every
 * `PERSISTED_OPERATION_REFRESH_MS`, so an operation dropped from every file
 * leaves the cluster within this time.
 */
export const PERSISTED_OPERATION_TTL_MS = 10 * 60_000;
/** A third of the TTL: an operation survives two missed refreshes (a short Redis outage). */
export const PERSISTED_OPERATION_REFRESH_MS = PERSISTED_OPERATION_TTL_MS / 3;
/** Writing a whole file (up to 5 MiB) may take longer than one ordinary Redis call. */
export const REGISTER_TIMEOUT_MS = 2000;
/** Operations learnt from other instances, kept here so a hot one costs no Redis call. */
export const SHARED_OPERATIONS_CACHE_MAX = 1000;
/** How long a learnt operation is trusted without asking Redis again (also how long it outlives its retirement here). */
export const SHARED_OPERATIONS_CACHE_TTL_MS = 60_000;
/** A document from Redis larger than this is ignored (the request body limit: no client could have sent more). */
export const MAX_SHARED_DOCUMENT_BYTES = 100_000;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The Redis a cluster shares (a `SharedCache` fits): calls go through its bounded, trouble-counting `call`. */
export interface SharedOperationsStore {
  readonly redis: Redis;
  key(...parts: string[]): string;
  call<T>(promise: Promise<T>, operation: string, ms?: number): Promise<T | undefined>;
}

/**
 * The allow-list of a cluster: the union of the lists its instances were
 * started with. Each instance writes its file's operations to Redis, one key
 * per sha256 (`<prefix>persisted:<hash>`), at start-up, every time Redis
 * comes back, and every `PERSISTED_OPERATION_REFRESH_MS`; a hash missing
 * from its own file is looked up there. So during a rolling deploy, a client
 * built against the new list is served by old and new instances alike, and
 * an operation dropped from every file stops running within
 * `PERSISTED_OPERATION_TTL_MS` of the last instance listing it stopping.
 *
 * A document read from Redis must hash to the requested sha256, so Redis can
 * add operations but never change one; it is validated against this
 * instance's schema on every request, as any document is. When Redis is down
 * each instance runs its own file (and what it learnt in the last minute).
 */
export function sharePersistedOperations(operations: PersistedOperations, shared: SharedOperationsStore): PersistedOperations {
  const learnt = new LRUCache<string, string>({ max: SHARED_OPERATIONS_CACHE_MAX, ttl: SHARED_OPERATIONS_CACHE_TTL_MS });
  const key = (hash: string) => shared.key("persisted", hash);

  const register = async () => {
    // After close() ("end") there is no one to tell; while reconnecting, "ready" will call again.
    if (shared.redis.status !== "ready") return;
    const pipeline = shared.redis.pipeline();
    for (const [hash, document] of operations.documents) pipeline.set(key(hash), document, "PX", PERSISTED_OPERATION_TTL_MS);
    await shared.call(pipeline.exec(), "persisted-operations", REGISTER_TIMEOUT_MS);
  };
  void register();
  shared.redis.on("ready", () => void register());
  // Unref'd: the refresh never keeps a stopping process alive.
  setInterval(() => void register(), PERSISTED_OPERATION_REFRESH_MS).unref();

  return {
    ...operations,
    lookup: async (hash) => {
      if (!SHA256_HEX.test(hash)) return null;
      const known = learnt.get(hash);
      if (known !== undefined) return known;
      const document = await shared.call(shared.redis.get(key(hash)), "persisted-operations");
      if (!document || Buffer.byteLength(document) > MAX_SHARED_DOCUMENT_BYTES || sha256Hex(document) !== hash) return null;
      learnt.set(hash, document);
      return document;
    },
  };
}
