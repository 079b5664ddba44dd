import type { IngestErrorCode } from "../model/source-snapshot.ts";

/** An error while reading one source. It becomes data on the source, never a failed query. */
export class IngestError extends Error {
  /** What the upstream asked through Retry-After (429, 503), in milliseconds. */
  readonly retryAfterMs: number | null;

  constructor(
    readonly code: IngestErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs ?? null;
    this.name = "IngestError";
  }
}

export function toIngestError(error: unknown, fallback: IngestErrorCode = "NETWORK"): IngestError {
  if (error instanceof IngestError) return error;
  return new IngestError(fallback, error instanceof Error ? error.message : String(error), { cause: error });
}
