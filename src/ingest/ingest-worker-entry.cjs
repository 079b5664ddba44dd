// Worker threads do not inherit tsx's loader, so the worker registers one before loading its
// TypeScript. It registers tsx's CommonJS hook, not its ESM loader: the ESM loader runs on a
// loader thread of its own, one more per worker, each costing memory and start-up CPU.
const { register } = require("tsx/cjs/api");

register();
require("./ingest-worker.ts");
