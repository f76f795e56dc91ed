// The import rules of DESIGN.md's layout table, checked by dependency-cruiser (`npm run lint`).
//
// For `src/` only:
//   layer-<m>         a file in src/<m>/ imports only the modules the table lets <m> import
//                     (src/common and src/log are the leaf utilities "every module needs": every
//                     module may import them; they themselves import nothing of ours);
//   public-surface-<m> another module is imported through its index.ts only ("a module's public
//                     surface is its index.ts; other modules import only that");
//   no-circular       no import cycles;
//   not-in-the-table  every folder of src/ is a module of the table;
//   not-to-unresolvable an import that resolves to nothing.
// Type-only and dynamic imports count: they are dependencies of the design even when erased or
// deferred at run time. Test files (*.test.ts) and testdata/ folders are not cruised.

/** DESIGN.md's table: module -> the modules it may import (besides common and log). */
const MAY_IMPORT = {
  // The applications: everything below. Nothing imports cli; only cli may import action.
  cli: [
    "action",
    "queue",
    "task",
    "agent",
    "model",
    "tools",
    "graph",
    "sandbox",
    "testing",
    "vcs",
    "github",
    "suite",
  ],
  action: [
    "queue",
    "task",
    "agent",
    "model",
    "tools",
    "graph",
    "sandbox",
    "testing",
    "vcs",
    "github",
    "suite",
  ],
  queue: ["suite", "agent", "task"],
  task: ["vcs", "github"],
  // The agent runs a Task and the tools receive it (DESIGN.md's core type, defined in task):
  // the table is amended here to let them import task's types, and tools the model's ToolCall/ToolSpec.
  agent: ["task", "model", "tools", "graph", "sandbox", "testing"],
  model: [],
  tools: ["task", "model", "sandbox", "graph", "testing"],
  graph: [],
  sandbox: [],
  testing: ["sandbox"],
  vcs: [],
  github: ["vcs"],
  // Suites load tasks ("task loading" in DESIGN.md's suite row) and hand a Model to the agent.
  suite: ["task", "model", "agent", "sandbox", "testing", "vcs"],
  common: [],
  log: [],
};
/** Leaf utilities every module may import. */
const LEAVES = ["common", "log"];

/**
 * Exceptions: exact (from, to) file pairs allowed to break the named rules, each with the reason
 * beside it — `{ from: "src/x/a.ts", to: "src/y/b.ts", rules: ["layer-x"] }`. Empty: every import
 * of src/ follows the table. An entry that is no longer a violation fails test/lint.
 */
const KNOWN_VIOLATIONS = [];

const moduleNames = Object.keys(MAY_IMPORT);
// depcruise's own flag for showing known violations, read here because they are set in this file.
const strict = process.env.DEPCRUISE_STRICT === "1" || process.argv.includes("--no-ignore-known");

const layerRules = moduleNames.map((m) => {
  const allowed = m === "common" || m === "log" ? [m] : [m, ...LEAVES, ...MAY_IMPORT[m]];
  return {
    name: `layer-${m}`,
    severity: "error",
    comment:
      MAY_IMPORT[m].length === 0
        ? `src/${m} may import nothing of ours${m === "common" || m === "log" ? "" : " but common and log"} (DESIGN.md, layout)`
        : `src/${m} may import only ${MAY_IMPORT[m].join(", ")} (and common, log) (DESIGN.md, layout)`,
    from: { path: `^src/${m}/` },
    to: { path: "^src/[^/]+/", pathNot: `^src/(${allowed.join("|")})/` },
  };
});

const publicSurfaceRules = moduleNames.map((m) => ({
  name: `public-surface-${m}`,
  severity: "error",
  comment: `src/${m} imports other modules through their index.ts only: a module's public surface is its index.ts (DESIGN.md)`,
  from: { path: `^src/${m}/` },
  to: { path: "^src/[^/]+/", pathNot: [`^src/${m}/`, "^src/[^/]+/index\\.ts$"] },
}));

const known = `^src/(${moduleNames.join("|")})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    ...publicSurfaceRules,
    {
      name: "no-circular",
      severity: "error",
      comment: "no import cycles in src/ (DESIGN.md: dependencies point down the table)",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-in-the-table",
      severity: "error",
      comment:
        "every folder of src/ is a module of DESIGN.md's layout table (add it there and to MAY_IMPORT here)",
      from: { path: "^src/", pathNot: known },
      to: {},
    },
    {
      name: "not-in-the-table-target",
      severity: "error",
      comment:
        "every folder of src/ is a module of DESIGN.md's layout table (add it there and to MAY_IMPORT here)",
      from: { path: "^src/" },
      to: { path: "^src/", pathNot: known },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "an import that resolves to no file or package",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // dependency-cruiser's own mechanism for known violations: exactly these (rule, from, to) are
    // reported as "ignored" instead of failing; any other violation of the same rule still fails.
    // `npm run lint:deps -- --no-ignore-known` (or DEPCRUISE_STRICT=1) reports them as errors.
    knownViolations: (strict ? [] : KNOWN_VIOLATIONS).flatMap(({ from, to, rules }) =>
      rules.map((name) => ({ type: "dependency", from, to, rule: { name, severity: "error" } })),
    ),
    // Packages are leaves: their own imports are not read.
    doNotFollow: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".mjs", ".cjs", ".json", ".node"],
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    // Tests, and the sample projects under testdata/ that the test-framework parsers are tried on.
    exclude: { path: ["\\.test\\.ts$", "(^|/)testdata/"] },
    cache: false,
  },
};
