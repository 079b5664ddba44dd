/**
 * A gateway over fixture upstreams, as the upstream (5) and traffic (9)
 * scenarios run it: `upstreams.ts` on the helper core, a sources file naming
 * each of its feeds (filed round the bench's sections), and
 * `gateway-server.ts` over that file, started where the bench runs and pinned
 * to the server core once ready.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BenchChild, type Placement } from "./processes.ts";
import { BENCH_SECTIONS } from "./synthetic-articles.ts";

/** Making 200 feeds, and reading and merging them, takes a while on a busy machine. */
const START_TIMEOUT_MS = 120_000;

export interface UpstreamGatewayOptions {
  /** Feeds, and items in each. */
  sources: number;
  items: number;
  /** Milliseconds each upstream waits before answering. */
  delayMs: number;
  /** Feeds that never change, with an ETag (304 to a read that names it); else each read moves a feed on. */
  unchanged: boolean;
  /** Every source's TTL; the sources file's default when absent. */
  refreshSeconds?: number;
  /** Flags for the gateway's node (a CPU profile). */
  nodeArgs?: string[];
}

export interface UpstreamGateway {
  upstreams: BenchChild;
  gateway: BenchChild;
  /** The gateway's base URL. */
  url: string;
  /** Stops both children and removes the sources file. */
  close(): Promise<void>;
}

/** The sources file over the upstreams' feeds: `upstream-<i>`, in the bench's sections in turn. */
export function upstreamSources(urls: string[], refreshSeconds?: number) {
  return {
    sections: BENCH_SECTIONS,
    sources: urls.map((url, i) => ({
      id: `upstream-${i}`,
      name: `Upstream ${i}`,
      url,
      section: BENCH_SECTIONS[i % BENCH_SECTIONS.length]!.slug,
      ...(refreshSeconds === undefined ? {} : { refreshSeconds }),
    })),
  };
}

export async function startUpstreamGateway(placement: Placement, options: UpstreamGatewayOptions): Promise<UpstreamGateway> {
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-bench-upstream-"));
  const upstreams = new BenchChild("upstreams.ts", {
    core: placement.pinned ? placement.loadCore : null,
    args: [
      "--count",
      String(options.sources),
      "--items",
      String(options.items),
      "--delay",
      String(options.delayMs),
      ...(options.unchanged ? ["--unchanged"] : []),
    ],
  });
  const children = [upstreams];
  const close = async () => {
    await Promise.all(children.map((child) => child.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ready = await upstreams.next("ready", START_TIMEOUT_MS);
    const file = path.join(dir, "sources.json");
    await writeFile(file, JSON.stringify(upstreamSources(ready.urls as string[], options.refreshSeconds)));
    const gateway = new BenchChild("gateway-server.ts", { core: null, nodeArgs: options.nodeArgs ?? [], args: ["--sources", file] });
    children.push(gateway);
    const { url } = (await gateway.next("ready", START_TIMEOUT_MS)) as unknown as { url: string };
    gateway.pin(placement.pinned ? placement.serverCore : null);
    return { upstreams, gateway, url, close };
  } catch (error) {
    await close();
    throw error;
  }
}
