/**
 * A bare process that only measures its own event-loop delay (event-loop-probe.ts):
 * what the machine alone imposes (other processes competing for the CPUs), to tell
 * apart from what a gateway's own work adds. Prints `event-loop probe URL`.
 */
import { startEventLoopProbe } from "./event-loop-probe.ts";

console.log(`event-loop probe ${await startEventLoopProbe()}`);
// The probe's server is unref'd: this keeps the process alive until the test kills it.
setInterval(() => undefined, 1 << 30);
