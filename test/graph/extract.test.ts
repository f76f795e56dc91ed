import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { extractFile } from "../../src/graph/extract.js";
import { languageForPath, openCodeGraph, supportedLanguages } from "../../src/graph/index.js";
import { LanguageLoader } from "../../src/graph/parser.js";
import { runPool } from "../../src/graph/pool.js";
import { processBuffer } from "../../src/graph/process.js";
import { FIXTURES, tempCache, writeRepo } from "./fixtures.js";

const native = new LanguageLoader("native");
const wasm = new LanguageLoader("wasm");

async function extract(loader: LanguageLoader, path: string) {
  const lang = languageForPath(path)!;
  return extractFile(await loader.load(lang), FIXTURES[path]!);
}

function names(ex: Awaited<ReturnType<typeof extract>>) {
  return ex.symbols.map((s) => `${s.kind} ${s.qualifiedName}`);
}

describe("extraction", () => {
  it("the native raw-node path is used and extracts exactly what the public node API does", async () => {
    const previous = process.env["FIXPOINT_GRAPH_RAW_NODES"];
    process.env["FIXPOINT_GRAPH_RAW_NODES"] = "0";
    const publicApi = new LanguageLoader("native");
    try {
      for (const path of Object.keys(FIXTURES)) if (languageForPath(path)) await extract(publicApi, path);
    } finally {
      if (previous === undefined) delete process.env["FIXPOINT_GRAPH_RAW_NODES"];
      else process.env["FIXPOINT_GRAPH_RAW_NODES"] = previous;
    }
    for (const path of Object.keys(FIXTURES)) {
      const lang = languageForPath(path);
      if (!lang) continue;
      const viaRaw = await extract(native, path);
      expect(viaRaw, path).toEqual(await extract(publicApi, path));
      expect((await native.load(lang)).rawNodes, path).toBe(true);
      expect((await publicApi.load(lang)).rawNodes, path).toBe(false);
    }
  });

  it("receivers are read from the text: dotted and scoped names, self; none after a call", async () => {
    const py = await native.load("python");
    const ex = extractFile(
      py,
      "import os\nclass A:\n    def f(self):\n        os.path.join('a')\n        self.g()\n        make().h()\n        x = aa . bb . cc\n",
    );
    const q = Object.fromEntries(ex.refs.map((r) => [r.name, r.qualifier]));
    expect(q).toMatchObject({ join: "os.path", g: "self", h: "<expr>", cc: "aa.bb" });
    const rs = await native.load("rust");
    const rx = extractFile(rs, "fn main() { let v = std::vec::Vec::new(); }\n");
    expect(rx.refs.find((r) => r.name === "new")?.qualifier).toBe("std::vec::Vec");
  });

  it("one call edge per caller, callee and receiver, at the first call", async () => {
    const py = await native.load("python");
    const ex = extractFile(
      py,
      "def f():\n    foo(1)\n    foo(2)\n    a.foo()\n    b.foo()\n    a.foo()\n\ndef g():\n    foo(3)\n",
    );
    const calls = ex.refs
      .filter((r) => r.kind === "call" && r.name === "foo")
      .map((r) => `${ex.symbols[r.from]?.name} ${r.qualifier || "-"} ${r.line}`);
    expect(calls).toEqual(["f - 2", "f a 4", "f b 5", "g - 9"]);
  });
  it("covers every supported language with a fixture", () => {
    const covered = new Set(Object.keys(FIXTURES).map(languageForPath).filter(Boolean));
    for (const l of supportedLanguages()) expect(covered, l).toContain(l);
  });

  it("tree-sitter and every grammar are pinned to the exact version installed", () => {
    // A grammar is compiled for a range of tree-sitter ABIs: a caret range lets `npm install`
    // bring a grammar the runtime cannot load.
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const pinned = Object.entries(manifest.dependencies).filter(([name]) => /^(web-)?tree-sitter/.test(name));
    expect(pinned.length).toBeGreaterThanOrEqual(13);
    for (const [name, range] of pinned) {
      expect(range, name).toMatch(/^\d+\.\d+\.\d+$/);
      const installed = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
      expect((JSON.parse(readFileSync(installed, "utf8")) as { version: string }).version, name).toBe(range);
    }
  });

  it("native and WASM backends extract identical results for every fixture", async () => {
    for (const path of Object.keys(FIXTURES)) {
      if (!languageForPath(path)) continue;
      const a = await extract(native, path);
      const b = await extract(wasm, path);
      expect(b, path).toEqual(a);
      expect(a.symbols.length + a.imports.length, path).toBeGreaterThan(0);
    }
  });

  it("Python: qualified names, kinds, signatures, docstrings, imports, inheritance, calls", async () => {
    const ex = await extract(native, "pkg/shapes.py");
    expect(names(ex)).toEqual([
      "constant RATIO",
      "class Shape",
      "method Shape.area",
      "class Circle",
      "method Circle.__init__",
      "method Circle.area",
    ]);
    const area = ex.symbols.find((s) => s.qualifiedName === "Shape.area")!;
    expect(area.signature).toBe("def area(self) -> float");
    expect(area.doc).toBe("Area of the shape.");
    expect(area.line).toBe(11);
    expect(ex.imports.map((i) => [i.module, i.names])).toEqual([
      ["math", []],
      [".util", ["clamp"]],
    ]);
    expect(ex.inherits.map((h) => [ex.symbols[h.cls]!.name, h.base])).toEqual([["Circle", "Shape"]]);
    expect(ex.refs.some((r) => r.kind === "call" && r.name === "clamp")).toBe(true);
  });

  it("TypeScript, Go, Rust, Java, C++, C#, Ruby, PHP definitions", async () => {
    expect(names(await extract(native, "web/src/math.ts"))).toEqual(
      expect.arrayContaining([
        "function add",
        "interface Named",
        "class Counter",
        "method Counter.increment",
      ]),
    );
    const ts = await extract(native, "web/src/math.ts");
    expect(ts.symbols.find((s) => s.name === "add")!.doc).toBe("Adds two numbers.");
    expect(ts.inherits.map((h) => h.base)).toEqual(["Named"]);
    expect(names(await extract(native, "web/src/view.tsx"))).toContain("function View");
    expect(names(await extract(native, "web/old.js"))).toEqual(
      expect.arrayContaining(["class Widget", "method Widget.render", "function make"]),
    );
    const go = await extract(native, "geo/geo.go");
    expect(names(go)).toEqual(expect.arrayContaining(["type Point", "method Point.Norm", "function Origin"]));
    expect(go.symbols.find((s) => s.name === "Norm")!.doc).toBe("Norm returns the squared length.");
    expect((await extract(native, "cmd/main.go")).imports.map((i) => i.module)).toEqual([
      "fmt",
      "example.com/demo/geo",
    ]);
    const rs = await extract(native, "rs/src/shapes.rs");
    expect(names(rs)).toEqual(
      expect.arrayContaining(["interface Area", "class Square", "method Square.area"]),
    );
    expect(rs.inherits.map((h) => h.base)).toEqual(["Area"]);
    const java = await extract(native, "java/com/ex/Dog.java");
    expect(names(java)).toEqual(expect.arrayContaining(["class Dog", "method Dog.speak", "method Dog.bark"]));
    expect(java.inherits.map((h) => h.base)).toEqual(["Animal"]);
    expect(names(await extract(native, "cpp/shape.cpp"))).toEqual(
      expect.arrayContaining(["module geo", "class geo.Shape", "class geo.Sq"]),
    );
    expect(names(await extract(native, "cs/Greeter.cs"))).toEqual(
      expect.arrayContaining(["class Demo.Greeter", "method Demo.Greeter.Greet"]),
    );
    expect(names(await extract(native, "rb/greeter.rb"))).toEqual(
      expect.arrayContaining(["class Greeter", "method Greeter.greet"]),
    );
    expect(names(await extract(native, "php/Greeter.php"))).toEqual(
      expect.arrayContaining(["class Greeter", "method Greeter.greet"]),
    );
    expect(names(await extract(native, "c/util.c"))).toEqual(
      expect.arrayContaining(["function twice", "function quad"]),
    );
  });

  it("keeps partial extraction and counts errors for broken input", async () => {
    const lang = await native.load("python");
    const ex = extractFile(lang, "def ok():\n    return 1\n\ndef broken(:\n    pass\n");
    expect(ex.errorCount).toBeGreaterThan(0);
    expect(ex.symbols.map((s) => s.name)).toContain("ok");
  });
});

describe("worker pool with the main thread helping", () => {
  it("every file is extracted exactly once, by the worker or inline", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 120; i++) files[`m${i}.py`] = `def f${i}(x):\n    return g${i}(x)\n`;
    const root = writeRepo(files);
    const loader = new LanguageLoader("native");
    const inline: string[] = [];
    const seen: string[] = [];
    await runPool(
      Object.keys(files).map((p) => ({ path: p, size: files[p]!.length, mtimeMs: 0 })),
      {
        root,
        backend: "native",
        maxFileBytes: 1 << 20,
        count: 1,
        chunk: 8,
        inline: async (items) => {
          const out = [];
          for (const w of items) {
            inline.push(w.path);
            out.push(await processBuffer(loader, w, Buffer.from(files[w.path]!), 1 << 20));
          }
          return out;
        },
      },
      (rs) => {
        for (const r of rs) seen.push(`${r.path}:${r.extraction!.symbols.map((s) => s.name).join(",")}`);
      },
    );
    expect(seen.sort()).toEqual(
      Object.keys(files)
        .map((p) => `${p}:f${p.slice(1, -3)}`)
        .sort(),
    );
    // The worker got its first two jobs before this thread started helping.
    expect(inline.length).toBeGreaterThan(0);
    expect(inline.length).toBeLessThanOrEqual(120 - 16);
  });
});

describe("a whole build on each backend", () => {
  it("WASM (the fallback) and native builds through the worker pool store the same graph", async () => {
    const files: Record<string, string> = { ...FIXTURES };
    for (let i = 0; i < 40; i++)
      files[`gen/m${i}.py`] =
        `from pkg.util import clamp\n\ndef f${i}(x):\n    return clamp(x) + f${(i + 1) % 40}(x)\n`;
    const root = writeRepo(files);
    const dump = async (backend: "native" | "wasm") => {
      const g = await openCodeGraph(root, { cacheDir: tempCache(), backend, workers: 1 });
      try {
        const stats = await g.build();
        expect(stats.parsed).toBeGreaterThan(40);
        const symbols = g.db
          .prepare(
            "SELECT f.path, s.qualified_name, s.kind, s.line FROM symbols s JOIN files f ON f.id = s.file_id ORDER BY 1, 4, 2",
          )
          .all();
        const edges = g.db
          .prepare(
            "SELECT e.kind, f.path, e.line, e.dst_name, t.path AS dst FROM edges e JOIN files f ON f.id = e.src_file LEFT JOIN files t ON t.id = e.dst_file ORDER BY 1, 2, 3, 4, 5",
          )
          .all();
        return { symbols, edges };
      } finally {
        g.close();
      }
    };
    const native = await dump("native");
    expect(native.edges.length).toBeGreaterThan(100);
    expect(await dump("wasm")).toEqual(native);
  });
});
