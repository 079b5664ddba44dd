import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs one of the project's own npm scripts and returns what it printed, failing or not. */
export async function npmScript(name: string): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run("npm", ["run", "--silent", name], {
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  }
}
