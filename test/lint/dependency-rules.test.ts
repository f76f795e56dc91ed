// DESIGN.md's import table, as .dependency-cruiser.cjs encodes it, run by `npm run lint`: a wrong
// import fails it. The wrong modules are written to a temporary folder (never to src/) and cruised
// with the project's own config, the way `npm run lint:deps` runs it.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const CONFIG = join(ROOT, ".dependency-cruiser.cjs");
const DEPCRUISE = join(ROOT, "node_modules", ".bin", "depcruise");

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

/** Runs depcruise on `src` in `cwd` with the project's config, as `npm run lint:deps` does. */
function depcruise(cwd: string, outputType: "err" | "json"): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      DEPCRUISE,
      ["src", "--config", CONFIG, "--output-type", outputType],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEPCRUISE_STRICT: "" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout: `${stdout}${stderr}` });
      },
    );
  });
}

const key = (v: { rule: string; from: string; to: string }) => `${v.rule}: ${v.from} -> ${v.to}`;
const errors = (vs: Violation[]) =>
  vs
    .filter((v) => v.rule.severity === "error")
    .map((v) => key({ rule: v.rule.name, from: v.from, to: v.to }));
/** The err reporter's `error RULE: FROM → TO` lines (of a cycle, its first step). */
const errLines = (out: string) =>
  [...out.matchAll(/^\s*error (\S+): (\S+) →\s+(\S+)/gm)].map((m) =>
    key({ rule: m[1]!, from: m[2]!, to: m[3]! }),
  );

describe("the import rules (.dependency-cruiser.cjs)", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fixpoint-depcruise-"));
    const files: Record<string, string> = {
      "tsconfig.json": JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true },
      }),
      "src/agent/index.ts": "export const agent = 1;\n",
      // graph may import nothing of ours but common and log.
      "src/graph/index.ts": 'export { ranked } from "./rank.js";\n',
      "src/graph/rank.ts": 'import { agent } from "../agent/index.js";\nexport const ranked = agent;\n',
      // github is below task: importing it would run back up the table. A type-only import counts.
      "src/task/index.ts": "export interface Task { id: string }\n",
      "src/github/index.ts": 'import type { Task } from "../task/index.js";\nexport type Issue = Task;\n',
      // tools may import sandbox, but only through its index.ts.
      "src/sandbox/index.ts": 'export { inner } from "./inner.js";\n',
      "src/sandbox/inner.ts": "export const inner = 1;\n",
      "src/tools/index.ts": 'import { inner } from "../sandbox/inner.js";\nexport const tool = inner;\n',
      // testing may import sandbox (index) and common: allowed. A dynamic import of agent is not.
      "src/testing/index.ts":
        'import { inner } from "../sandbox/index.js";\nimport { leaf } from "../common/index.js";\n' +
        'export const t = inner + leaf;\nexport const late = () => import("../agent/index.js");\n',
      // common imports nothing of ours, not even log.
      "src/common/index.ts": 'import { log } from "../log/index.js";\nexport const leaf = log;\n',
      "src/log/index.ts": "export const log = 1;\n",
      // A cycle inside one module.
      "src/vcs/index.ts": 'export { a } from "./a.js";\n',
      "src/vcs/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/vcs/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
      // A folder that is not in the table, and an import of nothing.
      "src/misc/util.ts": 'import { leaf } from "../common/index.js";\nexport const u = leaf;\n',
      "src/model/index.ts": 'import { gone } from "./gone.js";\nexport const m = gone;\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports each wrong import under its rule, and fails", async () => {
    const { code, stdout } = await depcruise(dir, "err");
    expect(code, stdout).not.toBe(0);
    expect(errLines(stdout).sort()).toEqual(
      [
        "layer-graph: src/graph/rank.ts -> src/agent/index.ts",
        "layer-github: src/github/index.ts -> src/task/index.ts",
        "layer-testing: src/testing/index.ts -> src/agent/index.ts",
        "layer-common: src/common/index.ts -> src/log/index.ts",
        "public-surface-tools: src/tools/index.ts -> src/sandbox/inner.ts",
        "no-circular: src/vcs/a.ts -> src/vcs/b.ts",
        "not-in-the-table: src/misc/util.ts -> src/common/index.ts",
        "not-to-unresolvable: src/model/index.ts -> ./gone.js",
      ].sort(),
    );
  });

  it("passes on this repository, and every temporary exception is still a real violation", async () => {
    const config = createRequire(import.meta.url)(CONFIG) as {
      options: { knownViolations: Array<{ from: string; to: string; rule: { name: string } }> };
    };
    const listed = config.options.knownViolations.map((v) =>
      key({ rule: v.rule.name, from: v.from, to: v.to }),
    );
    const { stdout } = await depcruise(ROOT, "json");
    const { violations } = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary;
    expect(errors(violations), "imports that break DESIGN.md's table").toEqual([]);
    const ignored = new Set(
      violations
        .filter((v) => v.rule.severity === "ignore")
        .map((v) => key({ rule: v.rule.name, from: v.from, to: v.to })),
    );
    const fixed = listed.filter((k) => !ignored.has(k));
    expect(fixed, "fixed: delete these from KNOWN_VIOLATIONS in .dependency-cruiser.cjs").toEqual([]);
  });
});
