// Whether dist/ is the build of the sources as they are now. `npm run build` (bin/build.js) records
// what it compiled in dist/.build-inputs.json: every input file's size, mtime and SHA-256.
// bin/fixpoint.js runs dist/ only while each input still matches: same size and mtime, or, when
// only the mtime moved (a checkout, a `touch`), the same content. Anything else — a file edited,
// added or removed, no record at all — makes dist/ stale. Plain JavaScript: it runs before
// anything can compile TypeScript, and costs a few milliseconds (one stat per input file).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** The record, relative to the package root. */
export const BUILD_RECORD = "dist/.build-inputs.json";
/** The compiled entry point, relative to the package root. */
export const DIST_MAIN = "dist/cli/main.js";

/** The build's inputs, relative to the package root and sorted: the tsconfig files and src/. */
export function buildInputs(root) {
  const out = ["tsconfig.build.json", "tsconfig.json"];
  const walk = (dir) => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      // Dotfiles (editor swap files), tests and their data are not part of the build.
      if (e.name.startsWith(".")) continue;
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== "testdata" && e.name !== "node_modules") walk(rel);
      } else if (!e.name.endsWith(".test.ts")) {
        out.push(rel);
      }
    }
  };
  walk("src");
  return out.sort();
}

/** Whether a build input is compiled by tsc (else it is an asset the build copies into dist/). */
export function isCompiled(rel) {
  return /\.(c|m)?tsx?$/.test(rel);
}

function sha256(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The record of the inputs as they are now. */
export function recordInputs(root) {
  const inputs = {};
  for (const rel of buildInputs(root)) {
    const path = join(root, rel);
    const st = statSync(path);
    inputs[rel] = { size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(path) };
  }
  return { version: 1, inputs };
}

/**
 * `{ fresh: true }` when dist/ was built from the inputs as they are now, else
 * `{ fresh: false, reason }` naming the first difference found.
 */
export function distState(root) {
  let record;
  try {
    record = JSON.parse(readFileSync(join(root, BUILD_RECORD), "utf8"));
  } catch {
    return { fresh: false, reason: "dist/ is not built (npm run build)" };
  }
  if (!existsSync(join(root, DIST_MAIN))) return { fresh: false, reason: `${DIST_MAIN} is missing` };
  const recorded = record?.version === 1 && record.inputs ? record.inputs : {};
  let files;
  try {
    files = buildInputs(root);
  } catch (e) {
    return { fresh: false, reason: `cannot list the sources: ${e.message}` };
  }
  for (const rel of files) {
    const r = recorded[rel];
    if (!r) return { fresh: false, reason: `${rel} is newer than the build` };
    let st;
    try {
      st = statSync(join(root, rel));
    } catch {
      return { fresh: false, reason: `${rel} changed since the build` };
    }
    if (st.size !== r.size) return { fresh: false, reason: `${rel} changed since the build` };
    if (st.mtimeMs === r.mtimeMs) continue;
    if (sha256(join(root, rel)) !== r.sha256)
      return { fresh: false, reason: `${rel} changed since the build` };
  }
  const now = new Set(files);
  for (const rel of Object.keys(recorded)) {
    if (!now.has(rel)) return { fresh: false, reason: `${rel} was removed since the build` };
  }
  return { fresh: true };
}
