import type { Plugin } from "graphql-yoga";
import { compress, compressibleType, MIN_COMPRESSED_BYTES, negotiateEncoding } from "../compression.ts";
import { encodedTag, namesVariant } from "../validators.ts";
import { mergeVary } from "../../protocol/vary.ts";

/**
 * br or gzip for the answers Yoga writes itself: requests the edge cache does
 * not take (another content type, the app without its edge cache). The edge
 * cache compresses its own answers, stored variants included, so requests
 * that came through it (`serverContext.edge`) are left alone here. Streamed
 * answers (multipart @defer, SSE) are never buffered; bodies under 1 KB go as
 * they are. A compressed answer's tag gets the encoding's suffix (see
 * `encodedTag`), and so does a 304's when the client named that variant.
 *
 * Register it after `useHttpCaching`, whose `onResponse` sets the tag.
 */
export function useResponseCompression(): Plugin {
  return {
    onResponse({ request, response, serverContext, setResponse, fetchAPI }) {
      if ((serverContext as { edge?: unknown } | null)?.edge) return;
      const encoding = negotiateEncoding(request.headers.get("accept-encoding") ?? undefined);
      if (!encoding || response.headers.has("content-encoding")) return;
      const etag = response.headers.get("etag");
      if (response.status === 304) {
        if (etag && namesVariant(request.headers.get("if-none-match"), encoding)) response.headers.set("etag", encodedTag(etag, encoding));
        return;
      }
      if (!response.body || !compressibleType(response.headers.get("content-type"))) return;
      return response.arrayBuffer().then(async (buffer) => {
        const body = Buffer.from(buffer);
        const headers = new fetchAPI.Headers(response.headers);
        headers.delete("content-length");
        if (body.length < MIN_COMPRESSED_BYTES) {
          setResponse(new fetchAPI.Response(buffer, { status: response.status, statusText: response.statusText, headers }));
          return;
        }
        const compressed = await compress(encoding, body);
        headers.set("content-encoding", encoding);
        headers.set("content-length", String(compressed.length));
        headers.set("vary", mergeVary(headers.get("vary"), "Accept-Encoding"));
        if (etag) headers.set("etag", encodedTag(etag, encoding));
        setResponse(
          new fetchAPI.Response(new Uint8Array(compressed) as Uint8Array<ArrayBuffer>, {
            status: response.status,
            statusText: response.statusText,
            headers,
          }),
        );
      });
    },
  };
}
