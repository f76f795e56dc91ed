#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ with tsc (tsconfig.build.json), copies the files of src/
// that are not TypeScript (the graph's .scm queries, …) beside the compiled modules that read
// them, and records what it was built from in dist/.build-inputs.json (bin/dist-state.js), which
// is what lets bin/fixpoint.js run dist/ only while it matches the sources.
//
// dist/ is rebuilt in place; outputs of sources since deleted are removed at the end, so the result
// is that of a build from clean.
//
// `--prepare` is the `prepare` script (npm ci / npm install in a checkout, npm pack / publish): it
// skips, with a note, when TypeScript is not installed (`npm ci --omit=dev`): the GitHub Action's
// install, where bin/fixpoint.js then runs the sources through tsx, and the Docker image's runtime
// stage, which copies dist/ from its build stage.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BUILD_RECORD, isCompiled, recordInputs } from "./dist-state.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const prepare = process.argv.includes("--prepare");

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  if (prepare) {
    console.error(
      "fixpoint: TypeScript is not installed (an --omit=dev install): dist/ not built; bin/fixpoint.js runs the sources through tsx",
    );
    process.exit(0);
  }
  console.error("fixpoint build: TypeScript is not installed (npm ci installs it)");
  process.exit(1);
}
if (!existsSync(join(root, "src"))) {
  console.error("fixpoint build: no src/ folder here");
  process.exit(prepare ? 0 : 1);
}

// The record describes the inputs as they were before tsc read them: a file edited during the
// build then differs from the record, and dist/ counts as stale.
const record = recordInputs(root);
const dist = join(root, "dist");
// No record until the end: meanwhile bin/fixpoint.js runs the sources. dist/ itself is rebuilt in
// place, not deleted first, so that a fixpoint already running from it (a test, a suite) does not
// lose the modules it has yet to import during the seconds tsc takes.
rmSync(join(root, BUILD_RECORD), { force: true });

const t0 = performance.now();
const startedAt = Date.now();
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], {
  cwd: root,
  stdio: "inherit",
});
if (r.status !== 0) {
  console.error(
    `fixpoint build: tsc failed (exit ${r.status ?? r.signal}); dist/ is incomplete and unrecorded, so bin/fixpoint.js keeps running the sources`,
  );
  process.exit(r.status || 1);
}

let assets = 0;
for (const rel of Object.keys(record.inputs)) {
  if (!rel.startsWith("src/") || isCompiled(rel)) continue;
  const to = join(dist, rel.slice("src/".length));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, rel), to);
  assets++;
}

// Outputs this build did not write (tsc writes every output; the assets were just copied) are
// those of sources since deleted or moved: removed, as a build from clean would not have them.
let orphans = 0;
const prune = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (statSync(path).mtimeMs < startedAt) {
      rmSync(path);
      orphans++;
    }
  }
};
prune(dist);

const recordPath = join(root, BUILD_RECORD);
writeFileSync(`${recordPath}.tmp`, `${JSON.stringify(record)}\n`);
renameSync(`${recordPath}.tmp`, recordPath);
console.error(
  `fixpoint build: dist/ from ${Object.keys(record.inputs).length} inputs (${assets} assets copied${orphans ? `, ${orphans} old outputs removed` : ""}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
