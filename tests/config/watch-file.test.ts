import { mkdtemp, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { watchFile } from "../../src/config/watch-file.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("watchFile (npm start --watch)", () => {
  it("calls back once after a burst of writes, also when an editor renames a new file over the old one, and ignores other files", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "newsgate-watch-"));
    const file = path.join(dir, "sources.json");
    await writeFile(file, "{}");
    let calls = 0;
    const watcher = watchFile(file, () => calls++, { debounceMs: 80 });
    try {
      await writeFile(file, '{"a":1}');
      await writeFile(file, '{"a":2}');
      await writeFile(file, '{"a":3}');
      await sleep(250);
      expect(calls).toBe(1);

      await writeFile(path.join(dir, "other.json"), "{}");
      await sleep(200);
      expect(calls).toBe(1);

      await writeFile(path.join(dir, ".sources.json.swp"), '{"a":4}');
      await rename(path.join(dir, ".sources.json.swp"), file);
      await sleep(250);
      expect(calls).toBe(2);
    } finally {
      watcher.close();
    }
  });
});
