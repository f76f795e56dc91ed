import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { registerGraphCommands } from "../../src/cli/graph.js";
import {
  type CodeGraph,
  checkSyntaxRegression,
  createGraphHooks,
  localizationSummary,
  openCodeGraph,
} from "../../src/graph/index.js";
import { createGraphTools } from "../../src/tools/graph/index.js";
import { ToolRegistry } from "../../src/tools/registry.js";
import type { Tool, ToolContext } from "../../src/tools/types.js";
import { FIXTURES, tempCache, writeRepo } from "./fixtures.js";

let repo: string;
let cache: string;
let g: CodeGraph;

beforeAll(async () => {
  repo = writeRepo(FIXTURES, { git: true });
  cache = tempCache();
  g = await openCodeGraph(repo, { cacheDir: cache, workers: 0 });
  await g.build();
});
afterAll(() => g.close());

describe("syntax guard", () => {
  it("refuses a broken Python edit with line:col and the would-be text; accepts a good one", async () => {
    const before = FIXTURES["pkg/util.py"]!;
    const bad = before.replace("return max(lo, min(hi, x))", "return max(lo, min(hi, x)");
    const msg = await checkSyntaxRegression("pkg/util.py", before, bad);
    expect(msg).toMatch(/^Edit refused: .*pkg\/util\.py at \d+:\d+/);
    expect(msg).toContain("return max(lo, min(hi, x)");
    expect(await checkSyntaxRegression("pkg/util.py", before, before.replace("100", "200"))).toBeNull();
  });

  it("refuses broken TypeScript and Go edits, accepts good ones, ignores unsupported files", async () => {
    const ts = FIXTURES["web/src/math.ts"]!;
    expect(
      await checkSyntaxRegression("web/src/math.ts", ts, ts.replace("return a + b;", "return a + ;")),
    ).toMatch(/Edit refused.*math\.ts at 3:/s);
    expect(await checkSyntaxRegression("web/src/math.ts", ts, ts.replace("a + b", "b + a"))).toBeNull();
    const go = FIXTURES["geo/geo.go"]!;
    expect(
      await checkSyntaxRegression(
        "geo/geo.go",
        go,
        go.replace("func Origin() Point {", "func Origin() Point"),
      ),
    ).toMatch(/Edit refused/);
    expect(await checkSyntaxRegression("geo/geo.go", go, go.replace("p.X*p.X", "p.X*p.X*1"))).toBeNull();
    expect(await checkSyntaxRegression("notes.txt", "a", "(((")).toBeNull();
    // A file that was already broken may stay broken, as long as the edit adds no new error.
    const broken = "def f(:\n    pass\n";
    expect(await checkSyntaxRegression("x.py", broken, `${broken}\ndef g():\n    return 1\n`)).toBeNull();
    expect(await checkSyntaxRegression("new.py", null, "def g(:\n")).toMatch(/Edit refused/);
  });

  it("hooks: checkEdit guards, update re-indexes", async () => {
    const hooks = createGraphHooks(g, repo);
    expect(await hooks.checkEdit!(join(repo, "pkg/util.py"), "x = 1\n", "x = (\n")).toMatch(/Edit refused/);
    writeFileSync(join(repo, "pkg/extra.py"), "def brand_new_function():\n    return 1\n");
    await hooks.update(["pkg/extra.py"]);
    expect(g.find("brand_new_function")[0]?.path).toBe("pkg/extra.py");
  });

  it("hooks: a failing re-index is not swallowed: the tool registry logs it and the edit stands", async () => {
    const broken = await openCodeGraph(repo, { cacheDir: tempCache(), workers: 0 });
    await broken.build();
    broken.close(); // every re-index fails from now on
    const hooks = createGraphHooks(broken, repo);
    await expect(hooks.update(["pkg/util.py"])).rejects.toThrow(/database connection is not open/);
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
    const writer: Tool = {
      name: "writer",
      description: "Writes a file.",
      schema: z.object({}),
      execute: async () => ({ output: "wrote", isError: false, changedFiles: ["pkg/util.py"] }),
    };
    const r = await new ToolRegistry([writer]).execute({ id: "1", name: "writer", input: {} }, {
      log,
      graph: hooks,
    } as unknown as ToolContext);
    expect(r).toMatchObject({ output: "wrote", isError: false, changedFiles: ["pkg/util.py"] });
    const warned = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "code graph update failed");
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: 40, tool: "writer" });
    expect(warned[0].err).toMatch(/database connection is not open/);
  });
});

describe("agent tools and summary", () => {
  const ctx = {} as ToolContext;
  it("each tool answers and never throws", async () => {
    const tools = createGraphTools(g);
    expect(tools.map((t) => t.name)).toEqual([
      "search_code",
      "find_symbol",
      "show_symbol",
      "references",
      "outline",
      "repo_map",
      "impact",
    ]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    const run = (name: string, input: unknown) =>
      byName[name]!.execute(byName[name]!.schema.parse(input), ctx);
    expect((await run("search_code", { query: "clamp values into a range" })).output).toContain(
      "pkg/util.py",
    );
    expect((await run("find_symbol", { name: "Circle.area" })).output).toContain("pkg/shapes.py:20");
    expect((await run("show_symbol", { name: "clamp" })).output).toContain("return max(lo, min(hi, x))");
    expect(await run("show_symbol", { name: "nope_nothing" })).toMatchObject({ isError: true });
    expect((await run("references", { name: "clamp", mode: "callers" })).output).toContain("app/main.py");
    expect((await run("outline", { path: "pkg/shapes.py" })).output).toContain("class class Circle(Shape)");
    expect(await run("outline", { path: "nope.py" })).toMatchObject({ isError: true });
    expect(
      (await run("repo_map", { budget_tokens: 200, seed_files: ["geo/geo.go"] })).output.split("\n")[0],
    ).toBe("geo/geo.go:");
    const diff =
      "--- a/pkg/util.py\n+++ b/pkg/util.py\n@@ -1,1 +1,1 @@\n-def clamp(x, lo=0, hi=100):\n+def clamp(x, lo=0, hi=10):\n";
    const imp = await run("impact", { diff });
    expect(imp.output).toContain("[signature changed]");
    expect(imp.output).toContain("! caller total_area");
  });

  it("localizationSummary lists candidates and a map slice", () => {
    const s = localizationSummary(g, "Counter.increment adds the wrong amount", {
      topFiles: 3,
      budgetTokens: 200,
    });
    expect(s).toContain("- web/src/math.ts");
    expect(s).toContain("Repository map");
  });
});

describe("CLI", () => {
  async function cli(...args: string[]): Promise<{ out: string; code: number | undefined; err: string }> {
    const program = new Command().exitOverride();
    registerGraphCommands(program);
    let out = "";
    let err = "";
    const w = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      out += String(s);
      return true;
    });
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
      err += String(s);
      return true;
    });
    process.exitCode = undefined;
    try {
      await program.parseAsync([
        "node",
        "fixpoint",
        "graph",
        ...args,
        "--repo",
        repo,
        "--cache-dir",
        cache,
        "--workers",
        "0",
      ]);
    } finally {
      w.mockRestore();
      e.mockRestore();
    }
    const code = process.exitCode as number | undefined;
    process.exitCode = undefined;
    return { out, code, err };
  }

  it("--json outputs for build, stats, find, refs, callers, callees, outline, neighbors, map, localize, impact", async () => {
    expect(JSON.parse((await cli("build", "--json")).out)).toMatchObject({
      parsed: expect.any(Number),
      ms: expect.any(Number),
    });
    expect(JSON.parse((await cli("stats", "--json")).out).symbols).toBeGreaterThan(20);
    expect(JSON.parse((await cli("find", "pkg.shapes.Shape.area", "--json")).out)[0]).toMatchObject({
      path: "pkg/shapes.py",
      line: 11,
    });
    expect(
      JSON.parse((await cli("refs", "Shape", "--json")).out).map((r: { kind: string }) => r.kind),
    ).toContain("inherits");
    expect(JSON.parse((await cli("callers", "clamp", "--json")).out)).toHaveLength(2);
    expect(JSON.parse((await cli("callees", "total_area", "--json")).out).length).toBeGreaterThan(1);
    expect(JSON.parse((await cli("outline", "pkg/util.py", "--json")).out)[0]).toMatchObject({
      name: "clamp",
      depth: 0,
    });
    expect(JSON.parse((await cli("neighbors", "clamp", "--hops", "2", "--json")).out).length).toBeGreaterThan(
      2,
    );
    expect(JSON.parse((await cli("map", "--budget", "100", "--json")).out).map).toContain(":");
    const issue = join(cache, "issue.txt");
    writeFileSync(issue, "clamp() ignores hi when lo is larger");
    const loc = JSON.parse((await cli("localize", "--issue", issue, "--top", "3", "--json")).out);
    expect(loc.files[0]).toEqual({ path: "pkg/util.py", score: expect.any(Number) });
    expect(loc.symbols[0]).toMatchObject({ name: "clamp", path: "pkg/util.py", line: 1 });
    writeFileSync(join(repo, "pkg/util.py"), FIXTURES["pkg/util.py"]!.replace("hi=100", "hi=10"));
    const imp = JSON.parse((await cli("impact", "--json")).out);
    expect(imp.changed[0]).toMatchObject({ qualifiedName: "clamp", signatureChanged: true });
  });

  it("localize learns from past commits; --no-history leaves them out", async () => {
    const shapes = join(repo, "pkg/shapes.py");
    writeFileSync(shapes, `${readFileSync(shapes, "utf8")}# v2\n`);
    for (const args of [
      ["add", "pkg/shapes.py"],
      ["commit", "-qm", "Fix wobbly perimeter of mirrored polygons"],
    ])
      execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: repo });
    const issue = join(cache, "history-issue.txt");
    writeFileSync(issue, "Mirrored polygons get a wobbly perimeter");
    const paths = async (...extra: string[]) =>
      JSON.parse((await cli("localize", "--issue", issue, "--json", ...extra)).out).files.map(
        (f: { path: string }) => f.path,
      );
    expect(await paths()).toContain("pkg/shapes.py");
    expect(await paths("--no-history")).not.toContain("pkg/shapes.py");
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repo }).toString().trim();
    expect(JSON.parse((await cli("stats", "--json")).out).history).toEqual({ head, commits: 2 });
    expect((await cli("stats")).out).toContain(`history 2 commits up to ${head.slice(0, 10)}`);
  });

  it("exit codes: 2 for bad input", async () => {
    expect((await cli("neighbors", "clamp", "--hops", "99")).code).toBe(2);
    expect((await cli("localize", "--issue", "/nonexistent/file")).code).toBe(2);
    expect((await cli("outline", "nope.py")).code).toBe(2);
    const r = await cli("refs", "no_such_symbol_anywhere");
    expect(r.code).toBe(2);
    expect(r.err).toContain("no symbol named");
  });
});
