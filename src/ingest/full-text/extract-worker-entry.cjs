// As ingest-worker-entry.cjs: the worker registers tsx's CommonJS hook itself, not its ESM loader
// (a loader thread of its own per worker), before loading its TypeScript.
const { register } = require("tsx/cjs/api");

register();
require("./extract-worker.ts");
