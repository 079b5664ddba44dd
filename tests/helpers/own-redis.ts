import { execFileSync } from "node:child_process";

/**
 * A Redis server of one test file's own, so stopping it disturbs no other
 * test. Each file passes its own base port (a range of 50 per file); the
 * process id picks a port in it, so parallel runs of the suite do not meet.
 */
export function ownRedis(basePort: number): { port: number; url: string; start: () => void; stop: () => void } {
  const port = basePort + (process.pid % 50);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start: () => void execFileSync("redis-server", ["--daemonize", "yes", "--port", String(port), "--save", "", "--appendonly", "no"]),
    stop: () => {
      try {
        execFileSync("redis-cli", ["-p", String(port), "shutdown", "nosave"], { stdio: "ignore" });
      } catch {
        // Already stopped.
      }
    },
  };
}
