import { lookup as dnsLookup } from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import { PrivateAddressError, type AddressClassifier } from "./network-policy.ts";

/** What the fetcher reads of a response's headers. */
export interface HeaderReader {
  /** The header's value (repeated ones joined with ", "), or null. */
  get(name: string): string | null;
}

/** One HTTP exchange as the fetcher needs it. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: HeaderReader;
  /** The body as sent (still content-encoded). Read it to the end, or destroy it. */
  body: Readable;
  /** The IP address the answer came from (the connection's peer); null or absent when unknown. */
  remoteAddress?: string | null;
}

export interface TransportInit {
  headers: Record<string, string>;
  signal: AbortSignal;
  /**
   * When given, the exchange may only reach addresses this calls public: an IP
   * literal is checked before anything is sent, a name on the addresses it
   * resolves to, as the connection is made (so a name that resolves once to a
   * public address and then to a private one, DNS rebinding, is checked on
   * the address actually connected to). Refusal rejects with a PrivateAddressError.
   */
  publicOnly?: AddressClassifier;
}

/** Sends one GET; resolves once the response's headers arrived. Aborting `signal` ends the exchange, body included. */
export type HttpTransport = (url: URL, init: TransportInit) => Promise<HttpResponse>;

export interface NodeHttpTransportOptions {
  /** Name resolution (tests pass their own). @default node:dns lookup, as node:http uses */
  lookup?: LookupFunction;
  /** Options of the https agents, e.g. `ca` to trust a private authority. */
  https?: https.AgentOptions;
}

interface Agents {
  "http:": http.Agent;
  "https:": https.Agent;
}

/**
 * GET over node:http / node:https. Chosen over the global fetch for its cost
 * to the serving thread, about half of fetch's CPU a body, and far less on a
 * cold process (fetch reads bodies through WHATWG streams and parses HTTP in
 * WebAssembly; node:http parses natively and hands over Buffers). A kept-alive connection
 * that the server closed just as it was reused is retried once on a new one,
 * as Node's documentation advises (`request.reusedSocket`).
 */
export function createNodeHttpTransport({ lookup, https: httpsOptions = {} }: NodeHttpTransportOptions = {}): HttpTransport {
  // Kept-alive connections: sources on one host are read over the same few (the per-host limit).
  const agents = (): Agents => ({
    "http:": new http.Agent({ keepAlive: true }),
    "https:": new https.Agent({ keepAlive: true, ...httpsOptions }),
  });
  const open = agents();
  // Connections checked as public are pooled apart, per classifier: a pool
  // reuses a connection without resolving again, so one opened unchecked (a
  // source on the operator's network) must never serve a hop that has to be public.
  const checked = new WeakMap<AddressClassifier, { agents: Agents; lookup: LookupFunction }>();
  const route = (publicOnly: AddressClassifier | undefined) => {
    if (!publicOnly) return { agents: open, lookup };
    let entry = checked.get(publicOnly);
    if (!entry) checked.set(publicOnly, (entry = { agents: agents(), lookup: checkedLookup(lookup ?? dnsLookup, publicOnly) }));
    return entry;
  };
  return (url, { headers, signal, publicOnly }) => {
    if (publicOnly) {
      // Node connects to an IP literal without any lookup: checked here, before a byte is sent.
      const literal = url.hostname.replace(/^\[(.*)\]$/, "$1");
      const range = isIP(literal) ? publicOnly(literal) : null;
      if (range !== null) return Promise.reject(new PrivateAddressError(literal, literal, range));
    }
    const { agents: pool, lookup: resolve } = route(publicOnly);
    return send(url, { agent: pool[url.protocol === "https:" ? "https:" : "http:"], lookup: resolve }, headers, signal, true);
  };
}

export const nodeHttpTransport: HttpTransport = createNodeHttpTransport();

function send(
  url: URL,
  via: { agent: http.Agent; lookup: LookupFunction | undefined },
  headers: Record<string, string>,
  signal: AbortSignal,
  retryStale: boolean,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    let answered = false;
    // Without a lookup of our own node's default path is left untouched (the hot path: no wrapper per connection).
    const options: http.RequestOptions = { method: "GET", headers, signal, agent: via.agent };
    if (via.lookup) options.lookup = via.lookup;
    const request = client.request(url, options, (response) => {
      answered = true;
      resolve({
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? "",
        headers: headerReader(response.headers),
        body: response,
        remoteAddress: response.socket?.remoteAddress ?? null,
      });
    });
    // After the answer began, errors reach the reader through the body; a request is asked again only before.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (retryStale && request.reusedSocket && error.code === "ECONNRESET" && !signal.aborted)
        resolve(send(url, via, headers, signal, false));
      else reject(error);
    });
    request.end();
  });
}

/**
 * `lookup` whose every answer must be public: a name with any non-public
 * address is refused whole (a public name has no business resolving into a
 * private network). The connection is made to the addresses checked here.
 */
export function checkedLookup(lookup: LookupFunction, publicOnly: AddressClassifier): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      // `all: true` (as net asks when it tries several addresses) answers a list.
      const answers = Array.isArray(address) ? address : [{ address, family: family ?? 0 }];
      for (const answer of answers) {
        const range = publicOnly(answer.address);
        if (range !== null) return callback(new PrivateAddressError(hostname, answer.address, range) as NodeJS.ErrnoException, "", 0);
      }
      callback(null, address, family);
    });
  };
}

function headerReader(headers: IncomingHttpHeaders): HeaderReader {
  return {
    get: (name) => {
      const value = headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}
