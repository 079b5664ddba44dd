import http from "node:http";

/** Longest a bench child waits for the first complete answer. */
export const COMPLETE_ANSWER_TIMEOUT_MS = 120_000;
const POLL_MS = 10;

/** A front page as a reader gets it (with each story's section, summary, reading time and date), and every source's state. */
const COMPLETE_QUERY =
  "{ articles(first: 20) { totalCount edges { node { title summary readingTimeMinutes publishedAt section { name } } } } sources { id status { ok } } }";
const FRONT_PAGE_SIZE = 20;

interface CompleteAnswer {
  data?: {
    articles: { totalCount: number; edges: { node: { readingTimeMinutes: number } }[] };
    sources: { id: string; status: { ok: boolean } | null }[];
  };
}

/**
 * Asks the gateway at `url` for a front page and every source's state until
 * the answer is complete: `expected` articles in all, every one of `sources`
 * ok, and a full page of stories with their reading time. The scenarios that
 * time a start (cold start, warm restart) stop their clock here.
 * @returns how many times it asked
 */
export async function waitForCompleteAnswer(
  url: string,
  { expected, sources, started }: { expected: number; sources: number; started: number },
) {
  const agent = new http.Agent({ keepAlive: true });
  let attempts = 0;
  let last = "";
  try {
    for (;;) {
      attempts++;
      const answer = (await postJson(`${url}/graphql`, { query: COMPLETE_QUERY }, agent)) as CompleteAnswer;
      const total = answer.data?.articles.totalCount ?? -1;
      const ok = answer.data?.sources.filter((s) => s.status?.ok).length ?? -1;
      const page = answer.data?.articles.edges.filter((e) => e.node.readingTimeMinutes >= 1).length ?? -1;
      last = `totalCount ${total}, ${ok}/${sources} sources ok, ${page} stories on the page`;
      if (total === expected && ok === sources && page === Math.min(FRONT_PAGE_SIZE, expected)) return attempts;
      if (performance.now() - started > COMPLETE_ANSWER_TIMEOUT_MS)
        throw new Error(`no complete answer within ${COMPLETE_ANSWER_TIMEOUT_MS} ms (last: ${last})`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    agent.destroy();
  }
}

/**
 * POSTs `body` as JSON and reads the answer as JSON, over node:http: the
 * global fetch would load undici into the process on first use, compiling it
 * on the gateway's core inside the time measured.
 */
function postJson(url: string, body: unknown, agent: http.Agent): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        "content-length": Buffer.byteLength(payload),
      },
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (error) {
          reject(new Error(`${url} answered ${response.statusCode} with a body that is not JSON: ${(error as Error).message}`));
        }
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(payload);
  });
}
