import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolCall } from "../../src/model/index.js";
import { createDefaultTools, ToolRegistry } from "../../src/tools/index.js";
import { DEFAULT_FILES, type Harness, makeHarness } from "./helpers.js";

const reg = new ToolRegistry(createDefaultTools());
let n = 0;
const search = (input: Record<string, unknown>): ToolCall => ({ id: `s${n++}`, name: "search", input });

const many = Array.from({ length: 120 }, (_, i) => `needle ${i}`).join("\n");

describe("search on a real sandbox", () => {
  let h: Harness;
  const run = (input: Record<string, unknown>) => reg.execute(search(input), h.ctx);

  beforeAll(async () => {
    h = await makeHarness({
      files: {
        ...DEFAULT_FILES,
        "many.txt": `${many}\n`,
        "long.txt": `start ${"x".repeat(5000)} needle-long\n`,
        "ignored/skip.py": "def add(): pass\n",
        "bin.dat": "def add\0binary",
      },
    });
    // An untracked (but not ignored) file is searched too.
    await h.sandbox.writeFile("untracked.py", "def add_more(x):\n    return add(x, 1)\n");
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("finds literal text as file:line: text, including untracked files, not ignored or binary ones", async () => {
    const r = await run({ pattern: "def add" });
    expect(r.isError).toBe(false);
    expect(r.output.split("\n")).toEqual([
      '2 matches for "def add":',
      "calc.py:1: def add(a, b):",
      "untracked.py:1: def add_more(x):",
    ]);
  });

  it("literal by default, regex when asked", async () => {
    const lit = await run({ pattern: "a + b" });
    expect(lit.output).toContain("calc.py:2: return a + b");
    const re = await run({ pattern: "def (multiply|divide)\\b", regex: true });
    expect(re.output).toContain("calc.py:11: def multiply(self, a, b):");
    expect(re.output).toContain("calc.py:14: def divide(self, a, b):");
    const bad = await run({ pattern: "(unclosed", regex: true });
    expect(bad.isError).toBe(true);
    expect(bad.output).toMatch(/^search failed: /);
  });

  it("case sensitivity, path and glob filters", async () => {
    expect((await run({ pattern: "CALCULATOR" })).output).toBe('No matches for "CALCULATOR".');
    const ci = await run({ pattern: "CALCULATOR", case_sensitive: false });
    expect(ci.output).toContain("README.md:3: A calculator.");
    expect(ci.output).toContain("calc.py:10: class Calculator:");
    const inSrc = await run({ pattern: "return", path: "src" });
    expect(inSrc.output.split("\n").slice(1)).toEqual([
      "src/util.js:2: return x * 2;",
      "src/util.js:6: return x * 3;",
    ]);
    const py = await run({ pattern: "return", glob: "*.py" });
    expect(py.output).toMatch(/^5 matches/);
    expect(py.output).not.toContain("util.js");
    const deep = await run({ pattern: "leaf", glob: "src/**/*.txt" });
    expect(deep.output).toContain("src/deep/nested/leaf.txt:1: leaf");
    const outside = await run({ pattern: "root", path: "../.." });
    expect(outside.isError).toBe(true);
    expect(outside.output).toContain("outside the checkout");
  });

  it("bounds the number of results and cuts long lines", async () => {
    const r = await run({ pattern: "needle", path: "many.txt", max_results: 10 });
    const lines = r.output.split("\n");
    expect(lines[0]).toBe('120 matches for "needle" under many.txt:');
    expect(lines).toHaveLength(12);
    expect(lines[11]).toBe(
      "[110 more matches not shown; narrow the search with path or glob, or raise max_results]",
    );
    const def = await run({ pattern: "needle", path: "many.txt" });
    expect(def.output.split("\n")).toHaveLength(52);
    const long = await run({ pattern: "needle-long" });
    expect(long.output.length).toBeLessThan(400);
    expect(long.output).toContain("[...]");
  });

  it("falls back to grep outside a git repository", async () => {
    rmSync(join(h.sandbox.root, ".git"), { recursive: true, force: true });
    const r = await run({ pattern: "def add" });
    expect(r.output).toContain("calc.py:1: def add(a, b):");
    expect(r.output).toContain("untracked.py:1: def add_more(x):");
    expect(r.output).not.toContain("./");
    const py = await run({ pattern: "return", glob: "*.js" });
    expect(py.output.split("\n").slice(1)).toEqual([
      "src/util.js:2: return x * 2;",
      "src/util.js:6: return x * 3;",
    ]);
  });
});
