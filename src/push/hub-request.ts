import { lookup as dnsLookup } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { USER_AGENT } from "../ingest/fetcher.ts";
import { checkedLookup } from "../ingest/http-transport.ts";
import type { AddressClassifier } from "../ingest/network-policy.ts";

/** Longest a hub may take to answer a subscription request. */
export const HUB_TIMEOUT_MS = 10_000;
/** Most of a hub's error answer kept as the reason shown on the status. */
export const MAX_HUB_REASON_LENGTH = 200;

export type HubAnswer = { ok: true; status: number } | { ok: false; reason: string };

/** Sends one subscription request to a hub (form-encoded POST); never rejects. */
export type HubRequest = (
  hub: string,
  form: Record<string, string>,
  options: { publicOnly: AddressClassifier | null },
) => Promise<HubAnswer>;

/**
 * The hub request over node:http(s). A hub is named by a feed, not by the
 * operator, so when `publicOnly` is given it may only be reached on a public
 * address (checked on the address connected to, as the fetcher does). A 2xx
 * answer (202 Accepted, as the spec asks) is acceptance; anything else,
 * with the start of its body, is the failure.
 */
export const postToHub: HubRequest = (hub, form, { publicOnly }) =>
  new Promise((resolve) => {
    const url = new URL(hub);
    const literal = url.hostname.replace(/^\[|\]$/g, "");
    if (publicOnly && isIP(literal)) {
      const range = publicOnly(literal);
      if (range !== null) return resolve({ ok: false, reason: `hub ${url.host} is on a ${range} address` });
    }
    const body = new URLSearchParams(form).toString();
    const request = (url.protocol === "https:" ? https : http).request(url, {
      method: "POST",
      agent: false,
      timeout: HUB_TIMEOUT_MS,
      lookup: publicOnly ? checkedLookup(dnsLookup, publicOnly) : undefined,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": Buffer.byteLength(body),
        "user-agent": USER_AGENT,
      },
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${HUB_TIMEOUT_MS} ms`)));
    request.on("error", (error) => resolve({ ok: false, reason: `hub unreachable: ${error.message}`.slice(0, MAX_HUB_REASON_LENGTH) }));
    request.on("response", (response) => {
      const status = response.statusCode ?? 0;
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        if (text.length < MAX_HUB_REASON_LENGTH) text += chunk;
      });
      response.on("error", () => undefined);
      // Resolving twice is a no-op: this only answers for a response cut off before its end.
      response.on("close", () => resolve({ ok: false, reason: "hub closed the connection before answering in full" }));
      response.on("end", () => {
        if (status >= 200 && status < 300) return resolve({ ok: true, status });
        const said = text.replace(/\s+/g, " ").trim();
        resolve({ ok: false, reason: `hub answered HTTP ${status}${said ? `: ${said}` : ""}`.slice(0, MAX_HUB_REASON_LENGTH) });
      });
    });
    request.end(body);
  });
