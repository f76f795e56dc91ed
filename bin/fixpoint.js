#!/usr/bin/env node
// The fixpoint command. It runs the compiled JavaScript in dist/ (`npm run build`; `npm ci` builds
// it through the prepare script). In a checkout (src/ present) it first checks that dist/ is the
// build of the sources as they are now (bin/dist-state.js); when it is not — a source edited since,
// never built, an --omit=dev install without TypeScript — it runs the TypeScript sources through
// tsx instead, so a stale dist/ is never run. An installed package (no src/) runs dist/.
// FIXPOINT_RUN_FROM=src or =dist forces one or the other (dist warns when it is stale).
import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

// Node 22+: cache compiled code between runs (Node 20 has no compile cache).
module.enableCompileCache?.();

const root = fileURLToPath(new URL("..", import.meta.url));
const from = process.env.FIXPOINT_RUN_FROM;
const checkout = existsSync(`${root}src/cli/main.ts`);

let useDist = from !== "src";
if (checkout && from !== "src") {
  const { distState } = await import("./dist-state.js");
  const state = distState(root);
  if (from === "dist") {
    if (!state.fresh) process.stderr.write(`fixpoint: warning: running a stale dist/ (${state.reason})\n`);
  } else {
    useDist = state.fresh;
  }
} else if (!checkout && !useDist) {
  process.stderr.write("fixpoint: FIXPOINT_RUN_FROM=src, but this installation has no src/\n");
  process.exit(2);
}

let main;
if (useDist) {
  if (!existsSync(`${root}dist/cli/main.js`)) {
    process.stderr.write("fixpoint: dist/ is not built: run `npm run build` in the fixpoint folder\n");
    process.exit(3);
  }
  if (process.env.FIXPOINT_DEBUG) process.setSourceMapsEnabled(true);
  ({ main } = await import("../dist/cli/main.js"));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
await main(process.argv);
