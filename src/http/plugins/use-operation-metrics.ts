import type { IncomingMessage } from "node:http";
import { getOperationAST, Kind, type DocumentNode } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Metrics, OperationOutcome } from "../../ops/metrics.ts";
import { clientAddress } from "../../partners/client-address.ts";
import type { RequestPartner } from "../../partners/partner-gate.ts";
import { edgeExchangeOf } from "../edge-cache/contract.ts";

export interface UseOperationMetricsOptions {
  metrics: Pick<Metrics, "graphqlOperation">;
  /** Milliseconds clock. @default performance.now */
  now?: () => number;
  /** Whose key the partner gate accepted for a request (operation names are counted per client). @default none: by address */
  partnerOf?: RequestPartner;
  /** Who each request's operations are counted against; share the app's. @default createMetricsClients(partnerOf) */
  clientOf?: MetricsClients;
}

/**
 * Counts and times every GraphQL operation Yoga answers, by operation name
 * and outcome (`error` when the answer carries any error, refusals by the
 * limits and invalid documents included). The clock starts when the request's
 * parameters are known and stops when the result is ready to be sent; a
 * streamed answer (@defer, @stream) stops it at the first part. Answers served
 * by the edge cache never reach Yoga and are counted as edge-cache hits;
 * operations it executed directly are counted there, also when Yoga answers
 * their result.
 * Register it first, so it sees requests that other plugins refuse.
 */
export function useOperationMetrics({
  metrics,
  now = () => performance.now(),
  partnerOf = noPartner,
  clientOf = createMetricsClients(partnerOf),
}: UseOperationMetricsOptions): Plugin {
  const inFlight = new WeakMap<Request, { started: number; operation: string | null; client: string | undefined }>();
  return {
    onParams({ params, request, context }) {
      if (edgeExchangeOf(context)?.result) return;
      inFlight.set(request, {
        started: now(),
        operation: params.operationName ?? null,
        client: clientOf(requestOf(context)),
      });
    },
    onParse({ context }) {
      // Most clients send no `operationName` for a document with one operation: take its name from the document.
      return ({ result }) => {
        const request = (context as { request?: Request }).request;
        const entry = request && inFlight.get(request);
        if (!entry || entry.operation !== null || !isDocument(result)) return;
        entry.operation = getOperationAST(result)?.name?.value ?? null;
      };
    },
    onResultProcess({ request, result }) {
      const entry = inFlight.get(request);
      if (!entry) return;
      inFlight.delete(request);
      const results = Array.isArray(result) ? result : [result];
      const outcome: OperationOutcome = results.some((r) => !isAsyncIterable(r) && (r.errors?.length ?? 0) > 0) ? "error" : "ok";
      metrics.graphqlOperation(entry.operation ?? "anonymous", outcome, (now() - entry.started) / 1000, entry.client);
    },
  };
}

/**
 * Who a request's operation names are counted against (see
 * MAX_NEW_OPERATION_NAMES_PER_CLIENT): its partner, else its address as
 * anonymous budgets count it (an IPv6 /64), so minting names takes many hosts.
 * Undefined for a request without a socket.
 */
export type MetricsClients = (req: IncomingMessage | undefined) => string | undefined;

/**
 * The `MetricsClients` of one app. Each connection's address is worked out
 * once (a kept-alive connection sends many requests, and the address is the
 * socket's); whose key admitted a request is asked per request.
 */
export function createMetricsClients(partnerOf: RequestPartner): MetricsClients {
  const addresses = new WeakMap<object, string>();
  return (req) => {
    if (!req?.socket) return undefined;
    const partner = partnerOf(req);
    if (partner) return `partner:${partner.name}`;
    let address = addresses.get(req.socket);
    if (address === undefined) {
      address = `address:${clientAddress(req)}`;
      addresses.set(req.socket, address);
    }
    return address;
  };
}

/** The Node request: Yoga's node adapter puts it in the context; the edge cache's exchange carries it as `req` (when it does). */
function requestOf(context: unknown): IncomingMessage | undefined {
  return (context as { req?: IncomingMessage } | null)?.req ?? edgeExchangeOf(context)?.req;
}

function isDocument(value: unknown): value is DocumentNode {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === Kind.DOCUMENT;
}

function noPartner(): null {
  return null;
}
