import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CodeGraph, issueSignals, localize, openCodeGraph } from "../../src/graph/index.js";
import { generatedFiles } from "../../src/graph/localize.js";
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

/** A repository of `files` plus unrelated modules, so that issue words are rare, as in real code. */
async function graphOf(files: Record<string, string>): Promise<CodeGraph> {
  const filler: Record<string, string> = {};
  for (let i = 0; i < 12; i++)
    filler[`pkg/misc${i}.py`] =
      `def misc_${i}(value):\n    """Unrelated helper number ${i}."""\n    return value + ${i}\n`;
  const g = await openCodeGraph(writeRepo({ ...filler, ...files }), { cacheDir: tempCache(), workers: 0 });
  await g.build();
  return g;
}

describe("localize: a prose word naming a method is weak evidence", () => {
  let g: CodeGraph;
  beforeAll(async () => {
    g = await graphOf({
      // A method named by a common English word, in a file that shares nothing else with the issue.
      "pkg/capture.py": "class Capture:\n    def done(self):\n        return self\n",
      "pkg/assertion.py":
        "def explain_bytes(left, right):\n    # confusing assertion message for byte strings\n    return 'assertion message bytes'\n",
    });
  });
  afterAll(() => g.close());

  const defs = (text: string) =>
    localize(g, text, { explain: true }).files.find((f) => f.path === "pkg/capture.py")?.why?.[
      "definitions"
    ] ?? 0;

  it("a word of the prose counts far less than the same name written as code", () => {
    const prose = defs("Confusing assertion message\nNot sure what should be done here.");
    const code = defs("Confusing assertion message\nNot sure what `done` should do here.");
    expect(prose).toBeGreaterThan(0);
    expect(prose).toBeLessThan(0.2 * code);
  });

  it("one weak definition hit is not scaled up to the signal's full weight", () => {
    // The signal weighs 2 (what max-normalization gives the best file whatever its evidence); a
    // single name in a code span, defined once, stays below that.
    expect(defs("Confusing assertion message\nNot sure what `done` should do here.")).toBeLessThan(1.8);
  });

  it("ranks the file matching the issue's words above the definition of `done`", () => {
    const r = localize(
      g,
      "Confusing assertion message\nWith byte strings it is confusing. Not sure what should be done here.",
    );
    expect(r.files[0]!.path).toBe("pkg/assertion.py");
  });
});

describe("localize: generated files and data tables", () => {
  let g: CodeGraph;
  beforeAll(async () => {
    const table = Array.from({ length: 1600 }, (_, i) => `    "Tag${i}": ("frame", "widget layout ${i}"),`);
    g = await graphOf({
      "pkg/render.py": "def render_frame(frame, widget):\n    # frame widget layout\n    return frame\n",
      "pkg/_gen/frameparser.py":
        "# Generated from Frame.g4 by ANTLR 4.7 -- DO NOT EDIT\nclass FrameParser:\n    def frame(self):\n        return 'frame widget layout frame widget layout frame widget layout'\n",
      "pkg/_table.py": `FRAMES = {\n${table.join("\n")}\n}\n`,
    });
  });
  afterAll(() => g.close());

  it("marks a file with a do-not-edit banner and a huge one-statement table", () => {
    expect([...generatedFiles(g)].sort()).toEqual(["pkg/_gen/frameparser.py", "pkg/_table.py"]);
  });

  it("ranks them below the hand-written module", () => {
    const r = localize(g, "Frame widget layout is wrong\nThe frame widget layout renders badly.");
    expect(r.files[0]!.path).toBe("pkg/render.py");
  });
});

describe("localize: names called in the issue", () => {
  let g: CodeGraph;
  beforeAll(async () => {
    g = await graphOf({ "pkg/expr.py": "class Expr:\n    def apart(self, x):\n        return self\n" });
  });
  afterAll(() => g.close());

  it("a name called (`x.apart(t)`) is marked and weighs more as a definition than the bare word", () => {
    const called = "Wrong result\n```\n>>> bug.apart(t)\n-a*t\n```\nThe result is wrong.";
    const bare = "Wrong result\n```\n>>> apart\n-a*t\n```\nThe result is wrong.";
    expect(issueSignals(called).terms.find((t) => t.text === "apart")?.called).toBe(true);
    expect(issueSignals(bare).terms.find((t) => t.text === "apart")?.called).toBe(false);
    const defs = (text: string) =>
      localize(g, text, { explain: true }).files.find((f) => f.path === "pkg/expr.py")?.why?.[
        "definitions"
      ] ?? 0;
    expect(defs(called)).toBeGreaterThan(1.5 * defs(bare));
    expect(defs(bare)).toBeGreaterThan(0);
  });
});

describe("localize: file paths written in the issue", () => {
  let g: CodeGraph;
  beforeAll(async () => {
    g = await graphOf({
      "pkg/raw_building.py": "def build_module(name):\n    return name\n",
      "tests/data/a/a.py": "VALUE = 1\n",
      "tests/data/a/__init__.py": "",
    });
  });
  afterAll(() => g.close());
  const explicit = (text: string, path: string) =>
    localize(g, text, { explain: true }).files.find((f) => f.path === path)?.why?.["explicit"] ?? 0;

  it("reads absolute and Windows paths from warning lines", () => {
    const sig = issueSignals(
      "/home/u/env/lib/python3.10/site-packages/pkg/raw_building.py:470: FutureWarning: soon\nC:\\src\\pkg\\x.py",
    );
    expect(sig.paths).toContain("/home/u/env/lib/python3.10/site-packages/pkg/raw_building.py");
    expect(sig.paths).toContain("C:\\src\\pkg\\x.py");
  });

  it("an installed copy's path finds the repository file it ends in", () => {
    const text =
      "Deprecation warnings\n```\n/home/u/env/lib/python3.10/site-packages/pkg/raw_building.py:470: FutureWarning: In the future\n```";
    expect(localize(g, text).files[0]!.path).toBe("pkg/raw_building.py");
    expect(explicit(text, "pkg/raw_building.py")).toBeGreaterThan(0);
  });

  it("a relative path does not lose directories to match another file", () => {
    // `x/raw_building.py` is not `pkg/raw_building.py`: only a bare name or an installed path may match it.
    expect(explicit("Crash in `x/raw_building.py` when loading", "pkg/raw_building.py")).toBe(0);
    expect(explicit("Crash in `raw_building.py` when loading", "pkg/raw_building.py")).toBeGreaterThan(0);
  });

  it("a bare file name or a path ending deeper does not lift a test file over the test penalty", () => {
    const text =
      "Fails if module contains module of the same name\nGiven `a/a.py` and `a/__init__.py`, running on `a.py` fails.";
    const r = localize(g, text, { explain: true });
    for (const p of ["tests/data/a/a.py", "tests/data/a/__init__.py"]) {
      const f = r.files.find((x) => x.path === p);
      expect(f?.why?.["explicit"]).toBeGreaterThan(0);
      expect(f?.why?.["penalty"]).toBeLessThan(1);
    }
    // Written as the repository path, it is named on purpose: no penalty.
    const named = localize(g, "Broken fixture `tests/data/a/a.py`", { explain: true }).files.find(
      (x) => x.path === "tests/data/a/a.py",
    );
    expect(named?.why?.["penalty"]).toBeUndefined();
  });
});

describe("localize: function bodies", () => {
  let g: CodeGraph;
  const ISSUE =
    "Invoice total goes negative\nWhen the discount is larger than the subtotal, the invoice total is negative instead of zero.";
  beforeAll(async () => {
    // A hub whose functions each use one word of the issue, many times over; and a module whose
    // one function uses them all together, under a name that says none of them.
    const hub = ["invoice", "discount", "subtotal", "negative", "total", "larger"]
      .map(
        (w, i) =>
          `def helper_${i}(rows):\n    ${w} = [r for r in rows if r]\n    # ${w} ${w} ${w}\n    return ${w}\n`,
      )
      .join("\n");
    const root = writeRepo({
      "shop/hub.py": hub,
      "shop/pricing.py":
        "def settle(order):\n    subtotal = order.subtotal\n    total = subtotal - order.discount  # the invoice total, negative when larger\n    return total\n\n\ndef rounding(x):\n    return round(x, 2)\n",
      ...Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [
          `shop/misc_${i}.py`,
          `def unrelated_${i}(a):\n    return a + ${i}\n`,
        ]),
      ),
    });
    g = await openCodeGraph(root, { cacheDir: tempCache(), workers: 0 });
    await g.build();
  });
  afterAll(() => g.close());

  it("the file whose one function holds the issue's words outranks a hub holding them apart", () => {
    const r = localize(g, ISSUE, { explain: true });
    expect(r.files.map((f) => f.path).slice(0, 2)).toEqual(["shop/pricing.py", "shop/hub.py"]);
    // Without the bodies the hub would lead: it holds every word, and more often.
    const [pricing, hub] = r.files.map((f) => f.score - (f.why?.["bodies"] ?? 0));
    expect(hub).toBeGreaterThan(pricing!);
    // The function that holds them together is the first symbol.
    expect(r.symbols[0]).toMatchObject({ name: "settle", path: "shop/pricing.py" });
  });
});
