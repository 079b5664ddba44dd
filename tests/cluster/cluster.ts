import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { TEST_SECTIONS } from "../helpers/gateway.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MEMBER = fileURLToPath(new URL("./gateway-process.ts", import.meta.url));
export const REDIS_URL = "redis://127.0.0.1:6379";

/** An RSS body with `count` items whose ids and titles carry `tag` (change it to change the content). */
export function rss(tag: string, count = 3, from = 0): string {
  const items = Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return `<item><guid>${tag}-${n}</guid><title>Story ${n} of ${tag}</title><link>https://news.example/${tag}/${n}</link><pubDate>${new Date(Date.UTC(2026, 0, 1, 0, n)).toUTCString()}</pubDate><description>About ${tag} number ${n}.</description></item>`;
  }).join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${tag}</title><link>https://news.example/</link>${items}</channel></rss>`;
}

export async function writeSources(sources: unknown[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "newsgate-cluster-"));
  const file = path.join(dir, "sources.json");
  await writeFile(file, JSON.stringify({ sections: TEST_SECTIONS, sources }));
  return file;
}

/** A key prefix of its own per test, and a way to drop its keys afterwards. */
export function uniquePrefix(name: string): string {
  return `newsgate-test:${name}:${process.pid}:${Date.now()}:`;
}

export async function dropKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } catch {
    // Nothing to drop when that Redis is gone.
  } finally {
    redis.disconnect();
  }
}

export interface Member {
  child: ChildProcess;
  url: string;
  query: <T = any>(query: string) => Promise<{ data?: T; errors?: unknown[] }>;
  stderr: () => string;
  stdout: () => string;
}

/** Starts one gateway process of the cluster and resolves once it listens. */
export function startMember(sourcesFile: string, prefix: string, redisUrl = REDIS_URL, env: Record<string, string> = {}): Promise<Member> {
  return launchMember(sourcesFile, prefix, redisUrl, env).ready;
}

/**
 * Starts one gateway process of the cluster: its process at once, `ready` once it listens.
 * `env` adds settings, e.g. NEWSGATE_PARTNERS or NEWSGATE_PERSISTED_OPERATIONS.
 */
export function launchMember(
  sourcesFile: string,
  prefix: string,
  redisUrl = REDIS_URL,
  env: Record<string, string> = {},
): { child: ChildProcess; ready: Promise<Member> } {
  const child = spawn(process.execPath, ["--import", "tsx", MEMBER, sourcesFile], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const match = /listening (http:\/\/\S+)\/graphql/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on("exit", (code) => reject(new Error(`member exited ${code}: ${stderr}`)));
  });
  const ready = url.then(
    (url): Member => ({
      child,
      url,
      stderr: () => stderr,
      stdout: () => stdout,
      query: async (query) => {
        const response = await fetch(`${url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
          body: JSON.stringify({ query }),
        });
        return (await response.json()) as { data?: any; errors?: unknown[] };
      },
    }),
  );
  ready.catch(() => undefined);
  return { child, ready };
}
