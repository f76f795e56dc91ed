import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CodeGraph,
  openCodeGraph,
  parameterNames,
  type TestReachResult,
  testsReaching,
  workingTreeDiff,
} from "../../src/graph/index.js";
import { tempCache, writeRepo } from "./fixtures.js";

const open: CodeGraph[] = [];
afterEach(() => {
  for (const g of open.splice(0)) g.close();
});

/** A committed repository of `files`, then `edits` written over it, indexed after the edit; the diff of the edit. */
async function changedRepo(
  files: Record<string, string>,
  edits: Record<string, string>,
): Promise<{ g: CodeGraph; diff: string }> {
  const dir = writeRepo(files, { git: true });
  for (const [p, text] of Object.entries(edits)) writeFileSync(join(dir, p), text);
  const g = await openCodeGraph(dir, { dbPath: join(tempCache(), "graph.db"), history: false, workers: 0 });
  open.push(g);
  await g.build();
  return { g, diff: workingTreeDiff(dir) };
}

/** "hops path::test" per selected entry, in the result's order. */
const selected = (r: TestReachResult) =>
  r.tests.map((t) => `${t.hops} ${t.path}${t.test ? `::${t.test.qualifiedName}` : ""}`);

const reasonOf = (r: TestReachResult, name: string) => r.tests.find((t) => t.test?.name === name)?.reason;

const PARSE_MODULE = `def parse(text):
    return text.split(",")


def unrelated(x):
    return x + 1
`;

const PY_FILES: Record<string, string> = {
  "pkg/__init__.py": "",
  "pkg/mod.py": PARSE_MODULE,
  "tests/test_a.py": `import unittest

from pkg.mod import parse, unrelated


def make_items(text):
    return parse(text)


def test_parse():
    assert parse("a,b") == ["a", "b"]


def test_unrelated():
    assert unrelated(1) == 2


def test_through_helper():
    assert make_items("a") == ["a"]


class ParseCase(unittest.TestCase):
    def test_method(self):
        self.assertEqual(parse("x"), ["x"])
`,
};

const PARSE_CHANGED = PARSE_MODULE.replace(
  'return text.split(",")',
  'return [t.strip() for t in text.split(",")]',
);

describe("testsReaching: Python", () => {
  it("selects the tests that reach a changed function, directly or through a helper, and no others", async () => {
    const { g, diff } = await changedRepo(PY_FILES, { "pkg/mod.py": PARSE_CHANGED });
    const r = await testsReaching(g, diff);
    expect(r.changed).toEqual(["pkg/mod.py: parse"]);
    // No whole-file entry for tests/test_a.py: its import of pkg.mod is covered by finer tests.
    expect(selected(r)).toEqual([
      "1 tests/test_a.py::test_parse",
      "1 tests/test_a.py::ParseCase.test_method",
      "2 tests/test_a.py::test_through_helper",
    ]);
    expect(r.tests[1]!.test).toMatchObject({ kind: "method", className: "ParseCase", name: "test_method" });
    expect(reasonOf(r, "test_parse")).toBe("calls changed parse");
    expect(reasonOf(r, "test_through_helper")).toBe("calls make_items, which calls changed parse");
    expect(r.unresolvedFiles).toEqual([]);
    expect(r.truncated).toBe(false);
  });

  it("hops = 1 leaves out the path through a helper", async () => {
    const { g, diff } = await changedRepo(PY_FILES, { "pkg/mod.py": PARSE_CHANGED });
    const r = await testsReaching(g, diff, { hops: 1 });
    expect(selected(r)).toEqual([
      "1 tests/test_a.py::test_parse",
      "1 tests/test_a.py::ParseCase.test_method",
    ]);
  });

  it("a changed test is selected itself, at hops 0", async () => {
    const { g, diff } = await changedRepo(PY_FILES, {
      "tests/test_a.py": PY_FILES["tests/test_a.py"]!.replace("unrelated(1) == 2", "unrelated(2) == 3"),
    });
    const r = await testsReaching(g, diff);
    expect(r.changed).toEqual(["tests/test_a.py: test_unrelated"]);
    expect(r.tests).toEqual([
      {
        path: "tests/test_a.py",
        test: { name: "test_unrelated", qualifiedName: "test_unrelated", kind: "function", line: 14 },
        hops: 0,
        reason: "the test itself changed",
      },
    ]);
  });

  it("a changed __init__ is used wherever its class is constructed", async () => {
    const { g, diff } = await changedRepo(
      {
        "pkg/shapes.py": `class Box:
    def __init__(self, w):
        self.w = w

    def area(self):
        return self.w * self.w
`,
        "tests/test_shapes.py": `from pkg.shapes import Box


def test_construct():
    assert Box(2).w == 2


def test_nothing():
    assert 1 + 1 == 2
`,
      },
      {
        "pkg/shapes.py": `class Box:
    def __init__(self, w):
        self.w = abs(w)

    def area(self):
        return self.w * self.w
`,
      },
    );
    const r = await testsReaching(g, diff);
    expect(r.changed).toEqual(["pkg/shapes.py: Box.__init__"]);
    expect(selected(r)).toEqual(["1 tests/test_shapes.py::test_construct"]);
    expect(reasonOf(r, "test_construct")).toBe("calls Box (constructor: changed Box.__init__)");
  });

  it("a conftest fixture that calls the change selects the tests of its directory that take it", async () => {
    const { g, diff } = await changedRepo(
      {
        "pkg/mod.py": PARSE_MODULE,
        "tests/conftest.py": `import pytest

from pkg.mod import parse


@pytest.fixture
def items():
    return parse("a,b")
`,
        "tests/test_fix.py": `def test_uses_fixture(tmp_path, items):
    assert len(items) == 2


def test_plain(tmp_path):
    assert tmp_path
`,
        "tests/sub/test_deep.py": `def test_deep(items):
    assert items
`,
        // Outside the conftest's directory: the fixture is not visible there.
        "other/tests/test_other.py": `def test_other(items):
    assert items
`,
      },
      { "pkg/mod.py": PARSE_CHANGED },
    );
    const r = await testsReaching(g, diff);
    expect(selected(r)).toEqual([
      "2 tests/sub/test_deep.py::test_deep",
      "2 tests/test_fix.py::test_uses_fixture",
    ]);
    expect(reasonOf(r, "test_deep")).toBe("takes fixture items, which calls changed parse");
  });

  it("a unittest setUp that reaches the change selects its test class", async () => {
    const { g, diff } = await changedRepo(
      {
        "pkg/mod.py": PARSE_MODULE,
        "tests/test_setup.py": `import unittest

from pkg.mod import parse, unrelated


class Items(unittest.TestCase):
    def setUp(self):
        self.items = parse("a,b")

    def test_len(self):
        self.assertEqual(len(self.items), 2)


def test_other():
    assert unrelated(0) == 1
`,
      },
      { "pkg/mod.py": PARSE_CHANGED },
    );
    const r = await testsReaching(g, diff);
    expect(selected(r)).toEqual(["1 tests/test_setup.py::Items"]);
    expect(r.tests[0]!.test?.kind).toBe("class");
    expect(r.tests[0]!.reason).toBe("Items.setUp, which calls changed parse; nothing visibly uses it");
  });

  it("calls of a changed method left unresolved or resolved by a guess to a namesake are matched by name", async () => {
    const { g, diff } = await changedRepo(
      {
        "pkg/runners.py": `class Fast:
    def run(self, x):
        return x


class Slow:
    def run(self, x):
        return x
`,
        // A match by name is a guess: the walk does not go on from it (test_drive is not selected).
        "pkg/use.py": `def drive(runner):
    return runner.run(3)
`,
        "tests/test_run.py": `from pkg.use import drive


def test_run(runner):
    assert runner.run(1) == 1


def test_drive(runner):
    assert drive(runner) == 3


def test_idle(runner):
    assert runner
`,
        // Importing Fast makes the graph resolve \`runner.run\` to Fast.run: a guess.
        "tests/test_guess.py": `from pkg.runners import Fast


def test_guess(runner):
    assert runner.run(2) == 2


def test_fast():
    assert Fast
`,
      },
      {
        "pkg/runners.py": `class Fast:
    def run(self, x):
        return x


class Slow:
    def run(self, x):
        return x * 1
`,
      },
    );
    const r = await testsReaching(g, diff);
    expect(r.changed).toEqual(["pkg/runners.py: Slow.run"]);
    expect(selected(r)).toEqual(["1 tests/test_guess.py::test_guess", "1 tests/test_run.py::test_run"]);
    expect(reasonOf(r, "test_run")).toBe("calls (by name: receiver class unknown) changed Slow.run");
    expect(reasonOf(r, "test_guess")).toBe("calls (by name: receiver class unknown) changed Slow.run");
  });

  it("the limit stops the search and says so", async () => {
    const { g, diff } = await changedRepo(PY_FILES, { "pkg/mod.py": PARSE_CHANGED });
    const r = await testsReaching(g, diff, { limit: 1 });
    expect(r.tests).toHaveLength(1);
    expect(r.truncated).toBe(true);
  });
});

describe("testsReaching: other languages and files", () => {
  it("TypeScript: a test file that calls the changed function is selected as a whole, another is not", async () => {
    const { g, diff } = await changedRepo(
      {
        "web/src/math.ts": `export function add(a: number, b: number): number {
  return a + b;
}

export function mul(a: number, b: number): number {
  return a * b;
}
`,
        "web/test/add.test.ts": `import { describe, expect, it } from "vitest";
import { add } from "../src/math";

describe("add", () => {
  it("adds", () => {
    expect(add(1, 2)).toBe(3);
  });
});
`,
        "web/test/mul.test.ts": `import { expect, it } from "vitest";
import { mul } from "../src/math";

it("multiplies", () => {
  expect(mul(2, 3)).toBe(6);
});
`,
      },
      {
        "web/src/math.ts": `export function add(a: number, b: number): number {
  return b + a;
}

export function mul(a: number, b: number): number {
  return a * b;
}
`,
      },
    );
    const r = await testsReaching(g, diff);
    expect(r.changed).toEqual(["web/src/math.ts: add"]);
    expect(r.tests).toEqual([{ path: "web/test/add.test.ts", hops: 1, reason: "calls changed add" }]);
  });

  it("Go: a TestXxx function calling the changed function is selected as a test", async () => {
    const { g, diff } = await changedRepo(
      {
        "go.mod": "module example.com/demo\n\ngo 1.21\n",
        "calc/calc.go": `package calc

func Double(x int) int { return 2 * x }

func Triple(x int) int { return 3 * x }
`,
        "calc/calc_test.go": `package calc

import "testing"

func TestDouble(t *testing.T) {
	if Double(2) != 4 {
		t.Fatal("bad")
	}
}

func TestTriple(t *testing.T) {
	if Triple(2) != 6 {
		t.Fatal("bad")
	}
}
`,
      },
      {
        "calc/calc.go": `package calc

func Double(x int) int { return x + x }

func Triple(x int) int { return 3 * x }
`,
      },
    );
    const r = await testsReaching(g, diff);
    expect(selected(r)).toEqual(["1 calc/calc_test.go::TestDouble"]);
    expect(r.tests[0]!.test?.kind).toBe("function");
  });

  it("files the graph cannot resolve to a symbol are listed for name matching; documentation is not", async () => {
    const { g, diff } = await changedRepo(
      {
        "pkg/mod.py": PARSE_MODULE,
        "scripts/build.lua": "print('a')\n",
        "docs/guide.md": "# Guide\n",
      },
      {
        "pkg/mod.py": `import os\n${PARSE_MODULE}`, // only top-level code
        "scripts/build.lua": "print('b')\n",
        "docs/guide.md": "# The guide\n",
      },
    );
    const r = await testsReaching(g, diff);
    expect(r.changed).toEqual([]);
    expect(r.unresolvedFiles.sort()).toEqual(["pkg/mod.py", "scripts/build.lua"]);
    expect(r.tests).toEqual([]);
  });
});

describe("parameterNames", () => {
  it("reads the parameters of a Python signature", () => {
    expect(parameterNames("def test_x(app, client: Client = make(1, 2), *args, **kw) -> None")).toEqual([
      "app",
      "client",
      "args",
      "kw",
    ]);
    expect(parameterNames("def method(self, fixture)")).toEqual(["fixture"]);
    expect(parameterNames("class A")).toEqual([]);
  });
});
