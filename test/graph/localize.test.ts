import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CodeGraph, issueSignals, localize, openCodeGraph } from "../../src/graph/index.js";
import { tempCache, writeRepo } from "./fixtures.js";

describe("issue terms", () => {
  it("snake_case and kebab-case names are FTS phrases; case variants are one term", () => {
    const sig = issueSignals(
      "Duplicated args with `autodoc_typehints`\nRun `pytest --collect-only`; Pytest and pytest both",
    );
    const byText = new Map(sig.terms.map((t) => [t.fts, t]));
    expect(byText.get('"autodoc typehints"')).toBeDefined();
    expect(byText.get('"collect only"')).toBeDefined();
    const pytest = byText.get('"pytest"')!;
    expect(pytest.spellings.sort()).toEqual(["Pytest", "pytest"]);
  });

  it("title and code-span terms outweigh prose; terms only in fenced output weigh least", () => {
    const sig = issueSignals(
      "Widget crashes\nThe renderer fails when `frobnicate` runs.\n```\nPackage Version\nzeppelin 1.0\n```\n",
    );
    const w = (t: string) => sig.terms.find((x) => x.text === t)!.weight;
    expect(w("Widget")).toBeGreaterThan(w("renderer"));
    expect(w("frobnicate")).toBeGreaterThan(w("renderer"));
    expect(w("zeppelin")).toBeLessThan(w("renderer"));
  });

  it("WARNING lines and word runs of output blocks become phrases; traceback headers do not", () => {
    const sig = issueSignals(
      "Title\n`WARNING: no number is assigned for table:`\n```\nTraceback (most recent call last):\nfoo.rst:4: Malformed option description found here\n```",
    );
    expect(sig.phrases).toContain("no number is assigned for table");
    expect(sig.exact).toContain("malformed option description found here");
    expect([...sig.phrases, ...sig.exact].some((p) => p.includes("most recent call last"))).toBe(false);
  });
});

describe("localize ranking", () => {
  let g: CodeGraph;
  beforeAll(async () => {
    const filler = Array.from(
      { length: 30 },
      (_, i) => `def helper_${i}(app, config, build):\n    return app\n`,
    );
    const root = writeRepo({
      // A hub: long, matching every common word of the issues below.
      "pkg/application.py": `${filler.join("\n")}\nclass Application:\n    """The application: config, build, warnings, tables, options, directories."""\n    def start(self, config, build):\n        return config\n`,
      "pkg/typehints.py":
        "def merge_typehints(app, obj):\n    if app.config.autodoc_typehints == 'description':\n        return obj\n",
      "pkg/std.py":
        "def resolve_numref(env, node):\n    logger.warning('no number is assigned for %s: %s', node, env)\n",
      "pkg/main.py":
        "def add_options(parser):\n    parser.addoption('--collectonly', '--collect-only', action='store_true')\n",
      "pkg/other.py": "def table_options(app, config, build):\n    return 'number table only collect'\n",
    });
    g = await openCodeGraph(root, { cacheDir: tempCache(), workers: 0 });
    await g.build();
  });
  afterAll(() => g.close());

  it("a snake_case setting finds the module that reads it, not the hub", () => {
    const r = localize(
      g,
      'Duplicated args with autodoc_typehints\nWhen using `autodoc_typehints = "description"` the build config warns.',
    );
    expect(r.files[0]!.path).toBe("pkg/typehints.py");
  });

  it("a formatted message is found by its longest literal part", () => {
    const r = localize(
      g,
      'v3.3 started generating "WARNING: no number is assigned for table" warnings in the build',
    );
    expect(r.files[0]!.path).toBe("pkg/std.py");
  });

  it("a command-line option finds where it is defined", () => {
    const r = localize(
      g,
      "pytest --collect-only needs a one char shortcut\nI run `--collect-only` very often.",
    );
    expect(r.files[0]!.path).toBe("pkg/main.py");
  });

  it("explain attaches each signal's contribution, summing to the score", () => {
    const r = localize(g, "merge_typehints ignores autodoc_typehints", { explain: true });
    const top = r.files[0]!;
    expect(top.path).toBe("pkg/typehints.py");
    const why = top.why!;
    expect(Object.keys(why)).toEqual(expect.arrayContaining(["bm25", "definitions"]));
    const sum = Object.entries(why)
      .filter(([k]) => k !== "penalty")
      .reduce((a, [, v]) => a + v, 0);
    expect(sum).toBeCloseTo(top.score, 2);
    expect(r.symbols[0]).toMatchObject({ name: "merge_typehints", path: "pkg/typehints.py" });
    expect(localize(g, "merge_typehints").files[0]!.why).toBeUndefined();
  });
});
