/** Stable codes a source's status carries; clients may switch on them. */
export type IngestErrorCode =
  | "TIMEOUT"
  | "TOO_LARGE"
  | "HTTP_STATUS"
  | "TOO_MANY_REDIRECTS"
  /** A redirect from https to plain http while the source sends credentials (its configured headers, a URL's user:password). */
  | "INSECURE_REDIRECT"
  /** An address off the public internet: reached by a redirect from a public one, or any, with --refuse-private-addresses. */
  | "PRIVATE_ADDRESS"
  | "NETWORK"
  | "NOT_FOUND"
  | "FORBIDDEN_PATH"
  | "PARSE_ERROR"
  | "UNSUPPORTED_FORMAT";

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
