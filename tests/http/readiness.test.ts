import { describe, expect, it } from "vitest";
import { startFixtureServer } from "../helpers/fixture-server.ts";
import { openGateway } from "../helpers/app-fetch.ts";

describe("/ready", () => {
  it("answers 503 until every source has been tried once, then 200 (even if a source failed)", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const upstream = await startFixtureServer({
      "/held": async (_req, res) => {
        await held;
        res.writeHead(500).end();
      },
    });
    const gateway = await openGateway({ sources: [{ id: "held", name: "Held", url: upstream.url("/held"), section: "technology" }] });
    try {
      expect((await gateway.fetch(`${gateway.url}/health`)).status).toBe(200);
      const warming = gateway.warmUp();
      expect((await gateway.fetch(`${gateway.url}/ready`)).status).toBe(503);
      release();
      await warming;
      expect((await gateway.fetch(`${gateway.url}/ready`)).status).toBe(200);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
