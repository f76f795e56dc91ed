import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCodeGraph } from "../../src/graph/index.js";
import { isPeripheralPath, issueSignals, localize } from "../../src/graph/localize.js";
import { splitBareRefs } from "../../src/graph/parser.js";
import { runPool } from "../../src/graph/pool.js";
import { tempCache, writeRepo } from "./fixtures.js";

describe("fast extraction and build paths", () => {
  it("bare reference patterns are split out of the query; other patterns stay", () => {
    const { query, bareRefs } = splitBareRefs(
      [
        "(call function: (identifier) @name) @reference.call",
        "((identifier) @name @reference.identifier)",
        "(type_identifier) @name @reference.type",
      ].join("\n"),
    );
    expect(bareRefs).toEqual([
      { type: "identifier", kind: "identifier" },
      { type: "type_identifier", kind: "type" },
    ]);
    expect(query.trim()).toBe("(call function: (identifier) @name) @reference.call");
  });

  it("worker threads start (under tsx too) and extract every file they are sent", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`m${i}.py`] = `def f${i}(x):\n    return g${i}(x)\n`;
    const root = writeRepo(files);
    const seen: string[] = [];
    await runPool(
      Object.keys(files).map((p) => ({ path: p, size: files[p]!.length, mtimeMs: 0 })),
      { root, backend: "native", maxFileBytes: 1 << 20, count: 2, chunk: 8 },
      (rs) => {
        for (const r of rs) {
          expect(r.status, r.error).toBe("ok");
          seen.push(`${r.path}:${r.extraction!.symbols.map((s) => s.name).join(",")}`);
        }
      },
    );
    expect(seen.sort()).toEqual(
      Object.keys(files)
        .map((p) => `${p}:f${p.slice(1, -3)}`)
        .sort(),
    );
  });
});

describe("localization signals", () => {
  it("error messages and quoted strings become phrases; short quotes do not", () => {
    const sig = issueSignals(
      'Raises ValueError: could not broadcast input array from shape\nand "the value is not allowed here" but not "a b"',
    );
    expect(sig.phrases).toContain("could not broadcast input array from shape");
    expect(sig.phrases).toContain("the value is not allowed here");
    expect(sig.phrases.some((p) => p === "a b")).toBe(false);
  });

  it("docs, examples and vendored assets are peripheral; source is not", () => {
    expect(isPeripheralPath("doc/conf.py")).toBe(true);
    expect(isPeripheralPath("sphinx/themes/basic/static/jquery.js")).toBe(true);
    expect(isPeripheralPath("lib/app.min.js")).toBe(true);
    expect(isPeripheralPath("sphinx/domains/std.py")).toBe(false);
  });

  it("a quoted error message finds the file that raises it, over a test that mentions the words", async () => {
    const root = writeRepo({
      "pkg/core.py": "def load(x):\n    raise ValueError('unknown storage backend selected')\n",
      "pkg/other.py": "def storage():\n    return 'backend'\n",
      "tests/test_core.py": "def test_load():\n    # unknown storage backend selected\n    pass\n",
    });
    writeFileSync(join(root, "README.md"), "x");
    const g = await openCodeGraph(root, { cacheDir: tempCache(), workers: 0 });
    await g.build();
    const r = localize(g, "Calling it fails with ValueError: unknown storage backend selected");
    expect(r.files[0]!.path).toBe("pkg/core.py");
    expect(g.searchFilesPhrase("unknown storage backend selected")).toContain("pkg/core.py");
    g.close();
  });
});
