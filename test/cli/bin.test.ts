/**
 * bin/fixpoint.js runs dist/ only while it is the build of the sources as they are now, else the
 * sources through tsx (so a test or a developer never runs a stale build), and dist/ alone in an
 * installed package. Checked on a miniature package: the real bin and bin/dist-state.js, a
 * src/cli/main.ts and a dist/cli/main.js that say which one ran.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUILD_RECORD, buildInputs, distState, recordInputs } from "../../bin/dist-state.js";
import { cleanEnv } from "../support/cli.js";
import { tempDir } from "../support/fixtures.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

function write(root: string, rel: string, text: string): void {
  mkdirSync(join(root, rel, ".."), { recursive: true });
  writeFileSync(join(root, rel), text);
}

/** A package with sources, a dist/ "built" from them, and the real bin. */
function miniPackage(): string {
  const root = tempDir("bin");
  mkdirSync(join(root, "bin"));
  for (const f of ["fixpoint.js", "dist-state.js"]) copyFileSync(join(REPO, "bin", f), join(root, "bin", f));
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
  write(root, "package.json", JSON.stringify({ name: "mini", type: "module" }));
  write(root, "tsconfig.json", "{}");
  write(root, "tsconfig.build.json", "{}");
  const main = (from: string) =>
    `export async function main(argv${from === "src" ? ": string[]" : ""}) { console.log("${from}", argv.slice(2).join(" ")); }\n`;
  write(root, "src/cli/main.ts", main("src"));
  write(root, "src/graph/queries/python.scm", "(identifier) @name\n");
  write(root, "src/cli/main.test.ts", "// not an input\n");
  write(root, "src/testing/testdata/x.js", "// not an input\n");
  write(root, "dist/cli/main.js", main("dist"));
  write(root, BUILD_RECORD, JSON.stringify(recordInputs(root)));
  return root;
}

function runBin(root: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(root, "bin", "fixpoint.js"), "--help"], {
    env: cleanEnv(env),
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe("bin/fixpoint.js: dist/ or the sources", () => {
  it("the inputs are src/ without tests and test data, and the tsconfig files", () => {
    const root = miniPackage();
    expect(buildInputs(root)).toEqual([
      "src/cli/main.ts",
      "src/graph/queries/python.scm",
      "tsconfig.build.json",
      "tsconfig.json",
    ]);
  });

  it("runs dist/ while it matches the sources, and the sources once one changes", () => {
    const root = miniPackage();
    expect(runBin(root)).toEqual({ code: 0, out: "dist --help", err: "" });

    // A new mtime with the same content (a checkout, a touch) keeps dist/.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, "src/cli/main.ts"), later, later);
    expect(distState(root)).toEqual({ fresh: true });
    expect(runBin(root).out).toBe("dist --help");

    // An edit of the same size is still an edit.
    write(root, "src/graph/queries/python.scm", "(identifier) @nome\n");
    expect(distState(root)).toEqual({
      fresh: false,
      reason: "src/graph/queries/python.scm changed since the build",
    });
    expect(runBin(root)).toEqual({ code: 0, out: "src --help", err: "" });
  });

  it("a file added or removed, or no build record, means the sources", () => {
    const added = miniPackage();
    write(added, "src/cli/extra.ts", "export {};\n");
    expect(distState(added)).toMatchObject({
      fresh: false,
      reason: "src/cli/extra.ts is newer than the build",
    });
    expect(runBin(added).out).toBe("src --help");

    const removed = miniPackage();
    rmSync(join(removed, "src/graph/queries/python.scm"));
    expect(distState(removed)).toMatchObject({
      reason: "src/graph/queries/python.scm was removed since the build",
    });

    const unbuilt = miniPackage();
    rmSync(join(unbuilt, BUILD_RECORD));
    expect(distState(unbuilt)).toMatchObject({ fresh: false });
    expect(runBin(unbuilt).out).toBe("src --help");

    // Tests and test data are not inputs: changing them keeps dist/.
    const tests = miniPackage();
    write(tests, "src/cli/main.test.ts", "// changed\n");
    write(tests, "src/testing/testdata/y.js", "// new\n");
    expect(runBin(tests).out).toBe("dist --help");
  });

  it("FIXPOINT_RUN_FROM forces one side; a forced stale dist/ says so", () => {
    const root = miniPackage();
    expect(runBin(root, { FIXPOINT_RUN_FROM: "src" }).out).toBe("src --help");
    write(root, "src/cli/main.ts", "export async function main() { console.log('edited'); }\n");
    const r = runBin(root, { FIXPOINT_RUN_FROM: "dist" });
    expect(r.out).toBe("dist --help");
    expect(r.err).toBe("fixpoint: warning: running a stale dist/ (src/cli/main.ts changed since the build)");
  });

  it("an installed package (no src/) runs dist/, and says so when dist/ is missing", () => {
    const root = miniPackage();
    rmSync(join(root, "src"), { recursive: true });
    expect(runBin(root)).toEqual({ code: 0, out: "dist --help", err: "" });
    rmSync(join(root, "dist"), { recursive: true });
    const r = runBin(root);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^fixpoint: dist\/ is not built: run `npm run build`/);
  });
});
