import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CodeGraph,
  computeImpact,
  localize,
  openCodeGraph,
  parseUnifiedDiff,
  renderImpact,
  renderRepoMap,
  textBeforeDiff,
  workingTreeDiff,
} from "../../src/graph/index.js";
import { FIXTURES, tempCache, writeRepo } from "./fixtures.js";

let repo: string;
let g: CodeGraph;
let built: Awaited<ReturnType<CodeGraph["build"]>>;

beforeAll(async () => {
  repo = writeRepo(FIXTURES, { git: true });
  g = await openCodeGraph(repo, { cacheDir: tempCache(), workers: 0 });
  built = await g.build();
});
afterAll(() => g.close());

function importTargets(path: string): string[] {
  return g.db
    .prepare(
      "SELECT DISTINCT t.path FROM edges e JOIN files s ON s.id = e.src_file JOIN files t ON t.id = e.dst_file WHERE e.kind = 'imports' AND s.path = ? ORDER BY t.path",
    )
    .pluck()
    .all(path) as string[];
}

describe("build and import resolution", () => {
  it("indexes every language and keeps the database outside the repository", () => {
    const s = g.stats();
    expect(s.files).toBe(Object.keys(FIXTURES).length - 1); // go.mod is not source
    expect(s.dbPath.startsWith(repo)).toBe(false);
    // The time spent writing the database is part of the build's time.
    expect(built.storeMs).toBeGreaterThan(0);
    expect(built.storeMs).toBeLessThanOrEqual(built.ms);
    expect(Object.keys(s.filesByLanguage).sort()).toEqual([
      "c",
      "cpp",
      "csharp",
      "go",
      "java",
      "javascript",
      "php",
      "python",
      "ruby",
      "rust",
      "tsx",
      "typescript",
    ]);
  });

  it("resolves Python relative/absolute imports, JS/TS extensions and index files, Go, Rust, Java", () => {
    expect(importTargets("pkg/shapes.py")).toEqual(["pkg/util.py"]);
    expect(importTargets("app/main.py")).toEqual(["pkg/shapes.py", "pkg/util.py"]);
    expect(importTargets("pkg/__init__.py")).toEqual(["pkg/shapes.py"]);
    expect(importTargets("web/src/index.ts")).toEqual(["web/src/lib/index.ts", "web/src/math.ts"]);
    expect(importTargets("web/src/view.tsx")).toEqual(["web/src/math.ts"]);
    expect(importTargets("cmd/main.go")).toEqual(["geo/geo.go"]);
    expect(importTargets("rs/src/lib.rs")).toEqual(["rs/src/shapes.rs"]);
    expect(importTargets("java/com/ex/Dog.java")).toEqual(["java/com/ex/Animal.java"]);
    expect(importTargets("c/util.c")).toEqual(["c/util.h"]);
    expect(importTargets("rb/greeter.rb")).toEqual(["rb/helper.rb"]);
    const external = g.db
      .prepare("SELECT dst_name FROM edges WHERE kind='imports' AND dst_file IS NULL ORDER BY 1")
      .pluck()
      .all();
    expect(external).toEqual(expect.arrayContaining(["math", "fmt", "path"]));
  });
});

describe("queries", () => {
  it("find: exact, qualified, fuzzy", () => {
    expect(g.find("Circle")[0]).toMatchObject({ path: "pkg/shapes.py", kind: "class", match: "exact" });
    expect(g.find("Circle.area").map((h) => h.qualifiedName)).toEqual(["Circle.area"]);
    expect(g.find("pkg.shapes.Shape.area")[0]).toMatchObject({
      qualifiedName: "Shape.area",
      match: "qualified",
    });
    expect(g.find("geo::Point")[0]?.path).toBe("geo/geo.go");
    const fuzzy = g.find("incremnt");
    expect(fuzzy[0]).toMatchObject({ name: "increment", match: "fuzzy" });
  });

  it("refs, callers, callees across files and languages", async () => {
    expect(
      g
        .callers("clamp")
        .map((r) => `${r.path}:${r.from}`)
        .sort(),
    ).toEqual(["app/main.py:total_area", "pkg/shapes.py:Circle.__init__"]);
    expect(
      g
        .callers("add")
        .map((r) => r.path)
        .sort(),
    ).toEqual(["web/src/index.ts", "web/src/math.ts", "web/src/view.tsx"]);
    expect(g.callers("Origin").map((r) => r.path)).toEqual(["cmd/main.go"]);
    expect(g.references("Shape").map((r) => r.kind)).toContain("inherits");
    expect(g.callees("total_area").map((c) => c.target?.qualifiedName ?? `ext:${c.name}`)).toEqual(
      expect.arrayContaining(["Circle", "clamp", "ext:sum"]),
    );
    expect(g.callees("quad").map((c) => c.target?.qualifiedName)).toEqual(["twice"]); // one edge per callee per line
    const def = await g.definition("clamp");
    expect(def[0]!.source).toContain("return max(lo, min(hi, x))");
  });

  it("a bare name is a method only where the language has an implicit receiver", async () => {
    const r = writeRepo({
      "m.py":
        "class Matcher:\n    def str(self):\n        return 1\n\n    def again(self):\n        return self.str()\n",
      "use.py": "def show(x):\n    return str(x)\n\ndef chain(m):\n    return make().str()\n",
      "A.java": "class A {\n  int size() { return 1; }\n  int twice() { return size() * 2; }\n}\n",
    });
    const h = await openCodeGraph(r, { cacheDir: tempCache(), workers: 0 });
    try {
      await h.build();
      const callers = (q: string) =>
        h
          .callers(q)
          .map((c) => `${c.path}:${c.line}`)
          .sort();
      // `str(x)` is the builtin, not Matcher.str; `self.str()` and `make().str()` may be it.
      expect(callers("Matcher.str")).toEqual(["m.py:6", "use.py:5"]);
      expect(callers("A.size")).toEqual(["A.java:3"]);
    } finally {
      h.close();
    }
  });

  it("edges written in batches: every row lands, with its own values", async () => {
    // 150 callers: two full batches of 64 rows and a remainder, in a fresh and an incremental build.
    const callers = Array.from({ length: 150 }, (_, i) => `def c${i}():\n    return target(${i})\n`);
    const r = writeRepo({ "t.py": "def target(x):\n    return x\n", "c.py": callers.join("\n") });
    const h = await openCodeGraph(r, { cacheDir: tempCache(), workers: 0 });
    try {
      const expected = callers.map((_, i) => `c${i}:${3 * i + 2}`).sort();
      const got = () =>
        (
          h.db
            .prepare(
              "SELECT s.name || ':' || e.line FROM edges e JOIN symbols s ON s.id = e.src_symbol JOIN symbols t ON t.id = e.dst_symbol WHERE e.kind = 'calls' AND t.name = 'target'",
            )
            .pluck()
            .all() as string[]
        ).sort();
      await h.build();
      expect(got()).toEqual(expected);
      appendFileSync(join(r, "c.py"), "\ndef extra():\n    return target(0)\n");
      await h.build();
      expect(got()).toEqual([...expected, "extra:452"].sort());
    } finally {
      h.close();
    }
  });

  it("outline and neighbors", () => {
    expect(g.outline("pkg/shapes.py").map((e) => `${e.depth}:${e.name}`)).toEqual([
      "0:RATIO",
      "0:Shape",
      "1:area",
      "0:Circle",
      "1:__init__",
      "1:area",
    ]);
    const n = g.neighbors("Circle.__init__", 2);
    expect(n.map((h) => h.symbol.qualifiedName)).toEqual(
      expect.arrayContaining(["Circle.__init__", "clamp", "Circle", "total_area"]),
    );
    expect(n.find((h) => h.symbol.name === "clamp")).toMatchObject({ distance: 1, via: "calls" });
  });

  it("map: ranked skeleton within the budget, seeded", () => {
    const map = renderRepoMap(g, { budgetTokens: 120, seedFiles: ["pkg/util.py"] });
    expect(map.length).toBeLessThanOrEqual(120 * 4 + 8);
    expect(map.split("\n")[0]).toBe("pkg/util.py:");
    expect(map).toContain("def clamp(x, lo=0, hi=100)");
  });

  it("localize: stack frames, identifiers and paths rank the right file first", () => {
    const r = localize(
      g,
      'Traceback (most recent call last):\n  File "/usr/lib/python3/site-packages/pkg/util.py", line 3, in clamp\nTypeError: bad operand',
    );
    expect(r.files[0]!.path).toBe("pkg/util.py");
    expect(r.symbols[0]).toMatchObject({ name: "clamp", path: "pkg/util.py", line: 1 });
    const r2 = localize(g, "Counter.increment returns the wrong total when `by` is negative");
    expect(r2.files[0]!.path).toBe("web/src/math.ts");
    expect(r2.symbols.map((s) => s.name)).toContain("Counter.increment");
  });

  it("impact: changed method, callers and overriders, signature change flagged", async () => {
    const diff = `diff --git a/pkg/shapes.py b/pkg/shapes.py
--- a/pkg/shapes.py
+++ b/pkg/shapes.py
@@ -11,1 +11,1 @@
-    def area(self) -> float:
+    def area(self, scale=1) -> float:
`;
    const r = await computeImpact(g, diff);
    expect(r.changed).toEqual([
      expect.objectContaining({ qualifiedName: "Shape.area", signatureChanged: true }),
    ]);
    expect(r.dependents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ relation: "overrider", name: "Circle.area", flagged: true }),
      ]),
    );
    const r2 = await computeImpact(
      g,
      `--- a/pkg/util.py\n+++ b/pkg/util.py\n@@ -3,1 +3,1 @@\n-    return max(lo, min(hi, x))\n+    return min(hi, max(lo, x))\n`,
    );
    expect(r2.changed.map((c) => [c.qualifiedName, c.signatureChanged])).toEqual([["clamp", false]]);
    expect(
      r2.dependents
        .filter((d) => d.relation === "caller")
        .map((d) => d.name)
        .sort(),
    ).toEqual(["Circle.__init__", "total_area"]);
    expect(r2.dependents.some((d) => d.relation === "importer" && d.path === "pkg/shapes.py")).toBe(true);
  });
});

describe("incremental updates and bad input", () => {
  it("re-parses only the changed file; handles delete and add; re-resolves edges", async () => {
    const repo2 = writeRepo({
      "a.py": "def f():\n    return 1\n",
      "b.py": "from a import f\n\ndef g():\n    return f()\n",
      "c.py": "X = 1\n",
    });
    const h = await openCodeGraph(repo2, { cacheDir: tempCache(), workers: 0 });
    try {
      expect((await h.build()).parsed).toBe(3);
      const warm = await h.build();
      expect(warm).toMatchObject({ parsed: 0, unchanged: 3 });
      writeFileSync(join(repo2, "a.py"), "def f():\n    return 2\n\ndef f2():\n    return f()\n");
      const one = await h.build();
      expect(one).toMatchObject({ parsed: 1, unchanged: 2 });
      expect(
        h
          .callers("f")
          .map((r) => r.path)
          .sort(),
      ).toEqual(["a.py", "b.py"]);
      rmSync(join(repo2, "a.py"));
      expect(await h.build()).toMatchObject({ removed: 1, parsed: 0 });
      expect(h.find("f")).toEqual([]);
      expect(
        h.db
          .prepare("SELECT count(*) FROM edges WHERE kind='imports' AND dst_file IS NOT NULL")
          .pluck()
          .get(),
      ).toBe(0);
      writeFileSync(join(repo2, "a.py"), "def f():\n    return 3\n");
      const added = await h.update(["a.py"]);
      expect(added.parsed).toBe(1);
      // b.py was not re-parsed, yet its call and import point at the new file again.
      expect(h.callers("f").map((r) => r.path)).toEqual(["b.py"]);
      expect(
        h.db
          .prepare("SELECT count(*) FROM edges WHERE kind='imports' AND dst_file IS NOT NULL")
          .pluck()
          .get(),
      ).toBe(1);
      appendFileSync(join(repo2, "c.py"), "Y = 2\n");
      expect(await h.update(["c.py", "missing.py", "README.md"])).toMatchObject({ parsed: 1 });
      expect(h.find("Y")[0]?.path).toBe("c.py");
      // The incremental history ends where a fresh build of the same files starts (a fresh
      // build drops the edge indexes for its bulk insert and must recreate every one of them).
      const fresh = await openCodeGraph(repo2, { cacheDir: tempCache(), workers: 0 });
      try {
        await fresh.build();
        const edges = (x: CodeGraph) =>
          x.db
            .prepare(
              "SELECT e.kind, s.path, e.dst_name, t.path AS dst FROM edges e JOIN files s ON s.id = e.src_file LEFT JOIN files t ON t.id = e.dst_file ORDER BY 1, 2, 3, 4",
            )
            .all();
        expect(edges(fresh)).toEqual(edges(h));
        const indexes = (x: CodeGraph) =>
          x.db
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'edges' ORDER BY name",
            )
            .pluck()
            .all();
        expect(indexes(fresh)).toEqual([
          "edges_dangling",
          "edges_dst_symbol",
          "edges_imports",
          "edges_src_file",
          "edges_src_symbol",
        ]);
        // The partial indexes come back partial (their WHERE clause is part of the stored SQL).
        const partial = fresh.db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%' ORDER BY name")
          .pluck()
          .all();
        expect(partial).toEqual(["edges_dangling", "edges_imports"]);
      } finally {
        fresh.close();
      }
    } finally {
      h.close();
    }
  });

  it("skips binary and oversize files, handles invalid UTF-8 and parse errors, ignores escaping symlinks", async () => {
    const outside = writeRepo({ "secret.py": "def leaked():\n    pass\n" });
    const repo3 = writeRepo({
      "ok.py": "def fine():\n    pass\n",
      "big.py": `X = "${"a".repeat(5000)}"\n`,
      "broken.py": "def good():\n    pass\n\ndef bad(:\n",
      ".gitignore": "ignored/\n",
      "ignored/x.py": "def hidden():\n    pass\n",
      "inner/real.py": "def real():\n    pass\n",
    });
    writeFileSync(join(repo3, "bin.py"), Buffer.from([0x64, 0x65, 0x66, 0x00, 0x01, 0x02]));
    writeFileSync(
      join(repo3, "latin.py"),
      Buffer.concat([Buffer.from('def cafe():\n    return "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]),
    );
    symlinkSync(join(outside, "secret.py"), join(repo3, "escape.py"));
    symlinkSync(outside, join(repo3, "escapedir"));
    symlinkSync(join(repo3, "inner/real.py"), join(repo3, "alias.py"));
    mkdirSync(join(repo3, "empty"));
    const h = await openCodeGraph(repo3, { cacheDir: tempCache(), workers: 0, maxFileBytes: 4096 });
    try {
      const s = await h.build();
      expect(s.skipped).toMatchObject({ binary: 1, oversize: 1, symlinks: 1 });
      expect(s.partial).toBe(1);
      expect(s.invalidUtf8).toBe(1);
      expect(h.find("good")[0]?.path).toBe("broken.py");
      expect(h.find("leaked")).toEqual([]);
      expect(h.find("hidden")).toEqual([]);
      expect(
        h
          .find("real")
          .map((x) => x.path)
          .sort(),
      ).toEqual(["alias.py", "inner/real.py"]);
      expect(h.db.prepare("SELECT status FROM files WHERE path='broken.py'").pluck().get()).toBe("partial");
    } finally {
      h.close();
    }
  });

  it("rebuilds a corrupt or old-schema database", async () => {
    const repo4 = writeRepo({ "a.py": "def f():\n    pass\n" });
    const cache = tempCache();
    const h = await openCodeGraph(repo4, { cacheDir: cache, workers: 0 });
    await h.build();
    const dbPath = h.dbPath;
    h.close();
    writeFileSync(dbPath, "this is not a database, just garbage bytes ".repeat(200));
    rmSync(`${dbPath}-wal`, { force: true });
    rmSync(`${dbPath}-shm`, { force: true });
    const h2 = await openCodeGraph(repo4, { cacheDir: cache, workers: 0 });
    const s = await h2.build();
    expect(s).toMatchObject({ rebuilt: true, parsed: 1 });
    expect(h2.find("f")).toHaveLength(1);
    h2.db.pragma("user_version = 1");
    h2.close();
    const h3 = await openCodeGraph(repo4, { cacheDir: cache, workers: 0 });
    expect(await h3.build()).toMatchObject({ rebuilt: true, parsed: 1 });
    h3.close();
  });

  it("two concurrent builds of one database serialize on the lock", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`m${i}.py`] = `def f${i}():\n    return f${(i + 1) % 40}()\n`;
    const repo5 = writeRepo(files);
    const cache = tempCache();
    const a = await openCodeGraph(repo5, { cacheDir: cache, workers: 2 });
    const b = await openCodeGraph(repo5, { cacheDir: cache, workers: 0 });
    try {
      const [sa, sb] = await Promise.all([a.build(), b.build()]);
      expect(sa.parsed + sb.parsed).toBe(40); // the second build found everything up to date
      expect(a.stats().symbols).toBe(40);
      expect(a.callers("f0")).toHaveLength(1);
      expect(a.db.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      a.close();
      b.close();
    }
  });
});

describe("impact against the file as it was before the diff", () => {
  it("tells added, removed and re-signed symbols apart, and finds the users of a removed one", async () => {
    const dir = writeRepo(FIXTURES, { git: true });
    const h = await openCodeGraph(dir, { cacheDir: tempCache(), workers: 0 });
    await h.build();
    // clamp is removed (two callers in other files), bound is new, Shape.area takes a new
    // parameter (Circle.area overrides it), and math.ts is deleted (index.ts and view.tsx import it).
    writeFileSync(join(dir, "pkg/util.py"), `def bound(x, lo=0, hi=100):\n    return max(lo, min(hi, x))\n`);
    writeFileSync(
      join(dir, "pkg/shapes.py"),
      FIXTURES["pkg/shapes.py"]!.replace(
        'def area(self) -> float:\n        """Area',
        'def area(self, scale=1) -> float:\n        """Area',
      ),
    );
    rmSync(join(dir, "web/src/math.ts"));
    await h.update(["pkg/util.py", "pkg/shapes.py", "web/src/math.ts"]);
    const r = await computeImpact(h, workingTreeDiff(dir));
    const change = (q: string) => r.changed.find((c) => c.qualifiedName === q);
    expect(change("clamp")).toMatchObject({ change: "removed", signatureChanged: true, path: "pkg/util.py" });
    expect(change("bound")).toMatchObject({ change: "added", signatureChanged: false });
    expect(change("Shape.area")).toMatchObject({ change: "modified", signatureChanged: true });
    expect(change("Counter")).toMatchObject({ change: "removed", path: "web/src/math.ts" });
    const flagged = (of: string, relation = "caller") =>
      r.dependents
        .filter((d) => d.of === of && d.flagged && d.relation === relation)
        .map((d) => `${d.relation} ${d.name}`)
        .sort();
    expect(flagged("clamp")).toEqual(["caller Circle.__init__", "caller total_area"]);
    expect(flagged("clamp", "importer")).toEqual(["importer app/main.py", "importer pkg/shapes.py"]);
    expect(flagged("Shape.area", "overrider")).toEqual(["overrider Circle.area"]);
    // pkg/__init__.py imports shapes.py but uses nothing of it: listed, not flagged.
    expect(r.dependents.find((d) => d.relation === "importer" && d.path === "pkg/__init__.py")).toMatchObject(
      {
        of: "Shape.area",
        flagged: false,
      },
    );
    expect(flagged("add")).toEqual(["caller View", "caller run"]);
    expect(r.dependents.some((d) => d.of === "bound")).toBe(false);
    const text = renderImpact(r);
    expect(text).toContain("function clamp  pkg/util.py:1  [removed]");
    expect(text).toContain("function bound  pkg/util.py:1  [new]");
    h.close();
  });

  it("a body-only change keeps its signature; a diff of another state falls back to the lines", async () => {
    const dir = writeRepo(FIXTURES, { git: true });
    const h = await openCodeGraph(dir, { cacheDir: tempCache(), workers: 0 });
    await h.build();
    // The parameter list is reformatted over three lines: the header's lines change, not the signature.
    writeFileSync(
      join(dir, "pkg/util.py"),
      FIXTURES["pkg/util.py"]!.replace("def clamp(x, lo=0, hi=100):", "def clamp(\n    x, lo=0, hi=100\n):"),
    );
    await h.update(["pkg/util.py"]);
    const r = await computeImpact(h, workingTreeDiff(dir));
    expect(r.changed.map((c) => [c.qualifiedName, c.change, c.signatureChanged])).toEqual([
      ["clamp", "modified", false],
    ]);
    expect(r.dependents.filter((d) => d.flagged)).toEqual([]);
    h.close();
  });

  it("parses hunks whose removed lines look like file headers, and undoes them", () => {
    const diff = [
      "diff --git a/q.sql b/q.sql",
      "--- a/q.sql",
      "+++ b/q.sql",
      "@@ -1,3 +1,2 @@",
      " select 1;",
      "--- a comment",
      "-+++ another",
      "+select 2;",
      "\\ No newline at end of file",
    ].join("\n");
    const [c] = parseUnifiedDiff(diff);
    expect(c).toMatchObject({ path: "q.sql", addedLines: [2], removedLines: [2, 3], created: false });
    expect(textBeforeDiff("select 1;\nselect 2;", c!)).toBe("select 1;\n-- a comment\n+++ another");
    // The text does not match what the diff says it became.
    expect(textBeforeDiff("select 1;\nselect 3;", c!)).toBeNull();
    const [d] = parseUnifiedDiff("--- a/x.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-def f():\n-    pass\n");
    expect(d).toMatchObject({ path: "x.py", deleted: true });
    expect(textBeforeDiff("", d!)).toBe("def f():\n    pass\n");
  });
});
