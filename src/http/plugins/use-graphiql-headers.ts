import type { Plugin } from "graphql-yoga";

/**
 * GraphiQL's page runs its bundle from inline scripts and Monaco's workers
 * from blob: URLs, so its policy must allow those; what it can still forbid is
 * any other origin: no script, style, font, image or connection leaves the
 * gateway, and no other site may frame the page.
 */
export const GRAPHIQL_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Security headers on the GraphiQL page (the only HTML Yoga serves). */
export function useGraphiqlHeaders(): Plugin {
  return {
    onResponse({ response }) {
      if (!response.headers.get("content-type")?.startsWith("text/html")) return;
      response.headers.set("content-security-policy", GRAPHIQL_CSP);
      response.headers.set("x-content-type-options", "nosniff");
      response.headers.set("referrer-policy", "no-referrer");
    },
  };
}
