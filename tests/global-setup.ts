import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";

/**
 * What the suite needs of the machine, set up before any test runs, so that
 * `npm ci && npm test` passes on a fresh machine of our kind (Node, npm,
 * Debian's packages): Debian's Chromium (browser tests, driven by
 * playwright-core), python3-feedparser (the independent feed reader),
 * prometheus (its promtool lints our metrics) and a
 * Redis on 127.0.0.1:6379 (shared state across instances). What is missing is
 * installed with apt-get, saying so; a Redis is started if none answers. Where
 * that cannot be done (no root, no sudo, no network to Debian's mirrors), the
 * run stops here with what to do, rather than with hundreds of failed tests.
 * NEWSGATE_TEST_SETUP=check only checks.
 */
const PACKAGES: { name: string; present: () => boolean }[] = [
  { name: "chromium", present: () => existsSync("/usr/bin/chromium") },
  {
    name: "python3-feedparser",
    present: () => spawnSync("/usr/bin/python3", ["-c", "import feedparser"], { stdio: "ignore" }).status === 0,
  },
  { name: "redis-server", present: () => spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0 },
  // promtool, which lints the metrics exposition.
  { name: "prometheus", present: () => spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0 },
];
const REDIS_PORT = 6379;

export default async function setup(): Promise<void> {
  const checkOnly = process.env.NEWSGATE_TEST_SETUP === "check";
  const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.name);
  if (missing.length > 0) {
    const command = `apt-get install -y ${missing.join(" ")}`;
    if (checkOnly) throw new Error(`the tests need ${missing.join(", ")}: run \`sudo ${command}\``);
    log(`installing ${missing.join(", ")} from Debian (${command})`);
    const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
    try {
      for (const args of [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", ...missing],
      ]) {
        const [program, ...rest] = [...sudo, ...args];
        execFileSync(program!, rest, {
          stdio: ["ignore", "ignore", "inherit"],
          env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
          timeout: 600_000,
        });
      }
    } catch (error) {
      throw new Error(
        `could not install ${missing.join(", ")} (${(error as Error).message.split("\n")[0]}): run \`sudo ${command}\` and try again`,
      );
    }
    const still = PACKAGES.filter((p) => missing.includes(p.name) && !p.present()).map((p) => p.name);
    if (still.length > 0)
      throw new Error(`${still.join(", ")} still missing after apt-get: run \`sudo apt-get install -y ${still.join(" ")}\``);
  }

  if (!(await redisAnswers(REDIS_PORT))) {
    if (checkOnly)
      throw new Error(`no Redis answers on 127.0.0.1:${REDIS_PORT}: start one (redis-server --daemonize yes --port ${REDIS_PORT})`);
    log(`starting a Redis on 127.0.0.1:${REDIS_PORT} (none answered; it keeps nothing on disk)`);
    execFileSync(
      "redis-server",
      ["--daemonize", "yes", "--bind", "127.0.0.1", "--port", String(REDIS_PORT), "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    for (let attempt = 0; attempt < 50 && !(await redisAnswers(REDIS_PORT)); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (!(await redisAnswers(REDIS_PORT)))
      throw new Error(`started redis-server, but nothing answers on 127.0.0.1:${REDIS_PORT}: is the port taken by something else?`);
  }
}

function log(message: string): void {
  console.log(`[test setup] ${message}`);
}

/** Whether a Redis answers PING on loopback, within a second. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
  });
}
