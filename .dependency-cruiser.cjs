// The import rules `npm run deps` checks (and tests/architecture/dependencies.test.ts holds in CI).
// The data flows config → ingest → store → (live, ops, export, partners) → graphql → http → the wiring
// root; `model`, `log` and `protocol` are the ground floor every stage may stand on. An import may point down
// the stages or sideways within its own folder, never back up, and never in a circle.
// docs/architecture.md draws the same order.

/** Floors from the ground up; folders on one floor may not import each other. */
const FLOORS = [
  ["model", "log", "protocol"],
  ["config"],
  ["ingest"],
  ["store"],
  ["live", "ops", "export", "partners", "push"],
  ["graphql"],
  ["http"],
  ["create-gateway\\.ts"],
  ["cli", "main\\.ts"],
];

const folder = (names) => `^src/(${names.join("|")})(/|$)`;

const stageRules = FLOORS.flatMap((floor, level) => {
  const above = FLOORS.slice(level + 1).flat();
  const rules = [];
  if (above.length > 0) {
    rules.push({
      name: `no-upward-from-${floor.join("-").replace(/\\\./g, ".")}`,
      comment: `${floor.join(", ")} may not import a later stage (${above.join(", ")}): data flows the other way.`,
      severity: "error",
      from: { path: folder(floor) },
      to: { path: folder(above) },
    });
  }
  for (const name of floor.length > 1 ? floor : []) {
    const siblings = floor.filter((other) => other !== name);
    rules.push({
      name: `no-sideways-from-${name.replace(/\\\./g, ".")}`,
      comment: `${name} may not import ${siblings.join(", ")}: they stand side by side on one floor.`,
      severity: "error",
      from: { path: folder([name]) },
      to: { path: folder(siblings) },
    });
  }
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "A circle of imports has no order to read it in, and breaks on partial initialisation.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-unresolvable",
      comment: "An import that resolves to nothing.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "src-not-from-tests",
      comment: "The gateway never imports its tests, benchmarks or their helpers.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(tests|bench|bench-load)/" },
    },
    ...stageRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    // TypeScript 7 ships no JavaScript compiler API, so TypeScript is read with swc.
    parser: "swc",
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".cjs"],
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
  },
};
