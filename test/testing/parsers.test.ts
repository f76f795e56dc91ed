/**
 * Parser tests on outputs captured by running the real frameworks (see testdata/README.md and
 * testdata/capture.sh). Every test's name and status is asserted, and failure messages must
 * carry the real assertion text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseCargoTest,
  parseGoTestJson,
  parseJest,
  parseJUnitXml,
  parseMocha,
  parseNodeTest,
  parsePytest,
  parseTap,
  parseTestOutput,
  parseUnittest,
  parseVitest,
  type TestCaseResult,
} from "../../src/testing/index.js";

const DATA = join(import.meta.dirname, "testdata");
const read = (p: string) => readFileSync(join(DATA, p), "utf8");
const CAPTURE = "/tmp/fixpoint-capture";

type Row = [name: string, status: TestCaseResult["status"]];
const rows = (results: TestCaseResult[]): Row[] => results.map((r) => [r.name, r.status]);
const byName = (results: TestCaseResult[], name: string): TestCaseResult => {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`no result named ${name}; have: ${results.map((x) => x.name).join(", ")}`);
  return r;
};
const sorted = (r: Row[]) => [...r].sort((a, b) => a[0].localeCompare(b[0]));

describe("pytest", () => {
  const expected: Row[] = [
    ["tests/test_calc.py::test_add", "passed"],
    ["tests/test_calc.py::test_add_wrong", "failed"],
    ["tests/test_calc.py::test_add_param[1-2-3]", "passed"],
    ["tests/test_calc.py::test_add_param[2-2-5]", "failed"],
    ["tests/test_calc.py::test_add_param[-1-1-0]", "passed"],
    ["tests/test_calc.py::test_words[hello world]", "passed"],
    ["tests/test_calc.py::test_words[x]", "passed"],
    ["tests/test_calc.py::test_skipped", "skipped"],
    ["tests/test_calc.py::test_skipif", "skipped"],
    ["tests/test_calc.py::test_uses_broken", "error"],
    ["tests/test_calc.py::test_raises_unexpected", "failed"],
    ["tests/test_calc.py::test_xfail", "passed"],
    ["tests/test_calc.py::TestCalc::test_method_ok", "passed"],
    ["tests/test_calc.py::TestCalc::test_method_fail", "failed"],
    ["tests/test_calc.py::TestCalc::test_method_skip", "skipped"],
    ["tests/test_calc.py::TestCalc::TestNested::test_inner", "passed"],
    ["tests/test_teardown.py::test_with_bad_teardown", "error"],
  ];

  it("reads -rA -v output: every node id, status and message", () => {
    const results = parsePytest(read("pytest/rA-v.txt"));
    expect(rows(results)).toEqual(expected);
    expect(byName(results, "tests/test_calc.py::test_add_wrong").message).toContain(
      "AssertionError: two plus two should be five",
    );
    expect(byName(results, "tests/test_calc.py::test_add_wrong").message).toContain("assert 4 == 5");
    expect(byName(results, "tests/test_calc.py::test_add_param[2-2-5]").message).toContain("assert 4 == 5");
    expect(byName(results, "tests/test_calc.py::test_raises_unexpected").message).toContain(
      "ZeroDivisionError: division by zero",
    );
    expect(byName(results, "tests/test_calc.py::TestCalc::test_method_fail").message).toContain(
      "assert 2.0 == 3",
    );
    expect(byName(results, "tests/test_calc.py::test_uses_broken").message).toContain(
      "RuntimeError: database connection refused",
    );
    expect(byName(results, "tests/test_teardown.py::test_with_bad_teardown").message).toContain(
      "ValueError: teardown exploded",
    );
    expect(byName(results, "tests/test_calc.py::test_skipped").message).toBe("not implemented yet");
  });

  it("reads -rA output without -v (skipped tests are then only counted by location, not named)", () => {
    const results = parsePytest(read("pytest/rA.txt"));
    expect(sorted(rows(results))).toEqual(sorted(expected.filter(([, s]) => s !== "skipped")));
    expect(byName(results, "tests/test_calc.py::test_add_wrong").message).toContain("assert 4 == 5");
  });

  it("reports a collection error as an error named by the file", () => {
    const results = parsePytest(read("pytest/collect-error.txt"));
    expect(rows(results)).toEqual([["tests/test_broken.py", "error"]]);
    expect(results[0]!.message).toContain("No module named 'module_that_does_not_exist'");
  });
});

describe("unittest", () => {
  const expected: Row[] = [
    ["test_documented (pkg.test_shapes.AreaTests)", "passed"],
    ["test_known_bug (pkg.test_shapes.AreaTests)", "passed"],
    ["test_skipped (pkg.test_shapes.AreaTests)", "skipped"],
    ["test_square (pkg.test_shapes.AreaTests)", "passed"],
    ["test_subtests (pkg.test_shapes.AreaTests)", "failed"],
    ["test_wrong_area (pkg.test_shapes.AreaTests)", "failed"],
    ["test_noisy (pkg.test_shapes.ParseTests)", "passed"],
    ["test_parse (pkg.test_shapes.ParseTests)", "passed"],
    ["test_parse_bad (pkg.test_shapes.ParseTests)", "error"],
  ];
  for (const file of ["unittest/py39-v.txt", "unittest/py311-v.txt"]) {
    it(`reads ${file} with Django/SWE-bench ids`, () => {
      const results = parseUnittest(read(file));
      expect(rows(results)).toEqual(expected);
      expect(byName(results, "test_wrong_area (pkg.test_shapes.AreaTests)").message).toContain(
        "AssertionError: 6 != 7",
      );
      expect(byName(results, "test_subtests (pkg.test_shapes.AreaTests)").message).toContain(
        "(i=2) AssertionError: 2 not less than 2",
      );
      expect(byName(results, "test_parse_bad (pkg.test_shapes.ParseTests)").message).toContain(
        "ValueError: not enough values to unpack",
      );
      expect(byName(results, "test_skipped (pkg.test_shapes.AreaTests)").message).toBe("not ready");
    });
  }
});

describe("go test -json", () => {
  it("reads every test and subtest, and a package that failed to build", () => {
    const results = parseGoTestJson(read("go/json.txt"));
    expect(rows(results)).toEqual([
      ["TestAdd", "passed"],
      ["TestAddWrong", "failed"],
      ["TestTable/small", "passed"],
      ["TestTable/negative", "failed"],
      ["TestTable/zero", "passed"],
      ["TestTable", "failed"],
      ["TestSkipped", "skipped"],
      ["TestPanics", "failed"],
      ["TestShout", "passed"],
      ["TestShoutNested/outer/inner_ok", "passed"],
      ["TestShoutNested/outer/inner_skip", "skipped"],
      ["TestShoutNested/outer", "passed"],
      ["TestShoutNested", "passed"],
      ["example.com/gotests/broken", "error"],
    ]);
    expect(byName(results, "TestAddWrong").message).toContain("Add(2, 2) = 4, want 5");
    expect(byName(results, "TestTable/negative").message).toContain("Add(-1, -1) = -2, want -3");
    expect(byName(results, "TestPanics").message).toContain("panic: runtime error: integer divide by zero");
    expect(byName(results, "TestPanics").message).not.toContain("goroutine");
    expect(byName(results, "TestSkipped").message).toContain("needs a database");
    expect(byName(results, "example.com/gotests/broken").message).toContain("undefined: Triple");
    expect(results.every((r) => r.status === "error" || typeof r.durationMs === "number")).toBe(true);
  });
});

describe("cargo test", () => {
  it("reads libtest lines of every target and the panic messages", () => {
    const results = parseCargoTest(read("cargo/output.txt"));
    expect(sorted(rows(results))).toEqual(
      sorted([
        ["tests::adds", "passed"],
        ["tests::adds_wrong", "failed"],
        ["tests::ignored_slow", "skipped"],
        ["tests::parse_panics", "failed"],
        ["tests::parse_should_panic", "failed"],
        ["tests::nested::deep_ok", "passed"],
        ["integration_ok", "passed"],
        ["integration_fail", "failed"],
      ]),
    );
    expect(byName(results, "tests::adds_wrong").message).toContain(
      "assertion `left == right` failed: two plus two",
    );
    expect(byName(results, "tests::adds_wrong").message).toContain("left: 4");
    expect(byName(results, "tests::parse_should_panic").message).toContain(
      "panic did not contain expected string",
    );
    expect(byName(results, "integration_fail").message).toContain("sum too small: 2");
    expect(byName(results, "tests::ignored_slow").message).toBe("slow");
  });

  it("reports a compile error as an erroring build target", () => {
    const results = parseCargoTest(read("cargo/build-error.txt"));
    expect(rows(results)).toEqual([['build cargotests (test "broken")', "error"]]);
    expect(results[0]!.message).toContain("unresolved import `cargotests::subtract`");
  });
});

describe("node:test", () => {
  const root = `${CAPTURE}/node-test`;
  it("reads TAP with nested subtests, suites, skip/todo and YAML diagnostics", () => {
    const results = parseNodeTest(read("node-test/tap.txt"), { root });
    expect(rows(results)).toEqual([
      ["test/broken.test.js", "error"],
      ["with failing hook > never really runs", "error"],
      ["adds numbers", "passed"],
      ["adds wrong", "failed"],
      ["skipped test", "skipped"],
      ["todo test", "skipped"],
      ["throws a TypeError", "failed"],
      ["parser > parses a value", "passed"],
      ["parser > rejects garbage", "failed"],
      ["parser > nested > deep pass", "passed"],
      ["with subtests > sub ok", "passed"],
      ["with subtests > sub fail", "failed"],
      ["with subtests", "failed"],
      ["other passes", "passed"],
    ]);
    expect(byName(results, "adds wrong").message).toContain("two plus two should be five");
    expect(byName(results, "adds wrong").message).toContain("4 !== 5");
    expect(byName(results, "adds wrong").message).toContain("at test/math.test.js:9:1");
    expect(byName(results, "throws a TypeError").message).toContain(
      "TypeError: Cannot read properties of null",
    );
    expect(byName(results, "with failing hook > never really runs").message).toContain(
      "fixture setup failed",
    );
    expect(byName(results, "with subtests > sub fail").message).toContain("+   a: 1");
    expect(byName(results, "skipped test").message).toBe("not ready");
    expect(typeof byName(results, "adds numbers").durationMs).toBe("number");
  });

  it("reads the spec reporter (groups are prefixes, not tests)", () => {
    const results = parseNodeTest(read("node-test/spec.txt"), { root });
    expect(rows(results)).toEqual([
      ["test/broken.test.js", "error"],
      ["with failing hook > never really runs", "failed"],
      ["adds numbers", "passed"],
      ["adds wrong", "failed"],
      ["skipped test", "skipped"],
      ["todo test", "passed"],
      ["throws a TypeError", "failed"],
      ["parser > parses a value", "passed"],
      ["parser > rejects garbage", "failed"],
      ["parser > nested > deep pass", "passed"],
      ["with subtests > sub ok", "passed"],
      ["with subtests > sub fail", "failed"],
      ["other passes", "passed"],
    ]);
    expect(byName(results, "adds wrong").message).toContain("two plus two should be five");
    expect(byName(results, "with failing hook > never really runs").message).toContain(
      "fixture setup failed",
    );
  });

  it("parseTap reads the same TAP directly", () => {
    expect(parseTap(read("node-test/tap.txt"), { root })).toEqual(
      parseNodeTest(read("node-test/tap.txt"), { root }),
    );
  });
});

const jsExpected = (todoOrPending: string): Row[] => [
  ["test/math.test.js > adds numbers", "passed"],
  ["test/math.test.js > adds wrong", "failed"],
  ["test/math.test.js > skipped test", "skipped"],
  [`test/math.test.js > ${todoOrPending}`, "skipped"],
  ["test/math.test.js > throws a TypeError", "failed"],
  ["test/math.test.js > parser > parses a value", "passed"],
  ["test/math.test.js > parser > rejects garbage", "failed"],
  ["test/math.test.js > parser > nested > deep 1", "failed"],
  ["test/math.test.js > parser > nested > deep 2", "passed"],
  ["test/hooks.test.js > with failing hook > never really runs", "failed"],
  ["test/broken.test.js", "error"],
];

describe("jest", () => {
  const root = `${CAPTURE}/jest`;
  it("reads the --json report (with npm's warnings around it)", () => {
    const results = parseJest(read("jest/json.txt"), { root });
    expect(sorted(rows(results))).toEqual(sorted(jsExpected("todo test")));
    expect(byName(results, "test/math.test.js > adds wrong").message).toContain("Expected: 5");
    expect(byName(results, "test/math.test.js > adds wrong").message).toContain("Received: 4");
    expect(byName(results, "test/math.test.js > parser > rejects garbage").message).toContain("toEqual");
    expect(byName(results, "test/broken.test.js").message).toContain(
      "Cannot find module '../does-not-exist'",
    );
    expect(byName(results, "test/math.test.js > adds wrong").message).not.toContain("node_modules");
    expect(typeof byName(results, "test/math.test.js > adds numbers").durationMs).toBe("number");
  });

  it("reads the --verbose text when there is no JSON", () => {
    const results = parseJest(read("jest/verbose.txt"), { root });
    expect(sorted(rows(results))).toEqual(sorted(jsExpected("todo test")));
    expect(byName(results, "test/math.test.js > parser > rejects garbage").message).toContain("Expected: 2");
    expect(byName(results, "test/broken.test.js").message).toContain("Cannot find module");
  });
});

describe("vitest", () => {
  const root = `${CAPTURE}/vitest`;
  it("reads --reporter=json", () => {
    const results = parseVitest(read("vitest/json.txt"), { root });
    expect(sorted(rows(results))).toEqual(sorted(jsExpected("todo test")));
    expect(byName(results, "test/math.test.js > adds wrong").message).toContain("expected 4 to be 5");
    expect(byName(results, "test/broken.test.js").message).toContain(
      "Cannot find module '../does-not-exist.js'",
    );
  });

  it("reads --reporter=verbose", () => {
    const results = parseVitest(read("vitest/verbose.txt"), { root });
    expect(sorted(rows(results))).toEqual(sorted(jsExpected("todo test")));
    expect(byName(results, "test/math.test.js > parser > rejects garbage").message).toContain(
      "expected 1 to deeply equal 2",
    );
  });
});

describe("mocha", () => {
  it("reads --reporter json; a failing hook errors the test it ran before", () => {
    const results = parseMocha(read("mocha/json.txt"), { root: `${CAPTURE}/mocha` });
    expect(rows(results)).toEqual([
      ["test/math.test.js > adds numbers", "passed"],
      ["test/math.test.js > adds wrong", "failed"],
      ["test/math.test.js > skipped test", "skipped"],
      ["test/math.test.js > pending test", "skipped"],
      ["test/math.test.js > throws a TypeError", "failed"],
      ["test/math.test.js > parser parses a value", "passed"],
      ["test/math.test.js > parser rejects garbage", "failed"],
      ["test/math.test.js > parser nested deep pass", "passed"],
      ["test/hooks.test.js > with failing hook never really runs", "error"],
    ]);
    expect(byName(results, "test/math.test.js > adds wrong").message).toContain(
      "two plus two should be five",
    );
    expect(byName(results, "test/math.test.js > parser rejects garbage").message).toContain("1 !== 2");
    expect(byName(results, "test/hooks.test.js > with failing hook never really runs").message).toContain(
      "fixture setup failed",
    );
  });
});

describe("JUnit XML", () => {
  it("reads surefire's report (entities, CDATA, parameterized names, skipped, error)", () => {
    const results = parseJUnitXml(read("junit/surefire-CalcTest.xml"));
    expect(sorted(rows(results))).toEqual(
      sorted([
        ["example.CalcTest.adds", "passed"],
        ["example.CalcTest.positive(int)[1]", "passed"],
        ["example.CalcTest.positive(int)[2]", "failed"],
        ["example.CalcTest.addsWrong", "failed"],
        ["example.CalcTest.divides", "error"],
        ["example.CalcTest.skipped", "skipped"],
      ]),
    );
    expect(byName(results, "example.CalcTest.addsWrong").message).toContain(
      "two plus two should be five <&> ==> expected: <5> but was: <4>",
    );
    expect(byName(results, "example.CalcTest.divides").message).toContain(
      "java.lang.ArithmeticException: / by zero",
    );
    expect(byName(results, "example.CalcTest.skipped").message).toBe("not ready");
  });

  it("reads pytest's --junitxml report", () => {
    const results = parseJUnitXml(read("junit/pytest-junit.xml"));
    expect(rows(results)).toEqual([
      ["tests.test_calc.test_add", "passed"],
      ["tests.test_calc.test_add_wrong", "failed"],
      ["tests.test_calc.test_add_param[1-2-3]", "passed"],
      ["tests.test_calc.test_add_param[2-2-5]", "failed"],
      ["tests.test_calc.test_add_param[-1-1-0]", "passed"],
      ["tests.test_calc.test_words[hello world]", "passed"],
      ["tests.test_calc.test_words[x]", "passed"],
      ["tests.test_calc.test_skipped", "skipped"],
      ["tests.test_calc.test_skipif", "skipped"],
      ["tests.test_calc.test_uses_broken", "error"],
      ["tests.test_calc.test_raises_unexpected", "failed"],
      ["tests.test_calc.test_xfail", "passed"],
      ["tests.test_calc.TestCalc.test_method_ok", "passed"],
      ["tests.test_calc.TestCalc.test_method_fail", "failed"],
      ["tests.test_calc.TestCalc.test_method_skip", "skipped"],
      ["tests.test_calc.TestCalc.TestNested.test_inner", "passed"],
      ["tests.test_teardown.test_with_bad_teardown", "error"],
    ]);
    expect(byName(results, "tests.test_calc.test_add_wrong").message).toContain("assert 4 == 5");
    expect(byName(results, "tests.test_teardown.test_with_bad_teardown").message).toContain(
      "teardown exploded",
    );
  });

  it("reads the maven run's console output followed by the cat'ed reports, as runTests produces it", () => {
    const combined = `${read("maven/output.txt")}\n${read("junit/surefire-CalcTest.xml")}`;
    expect(parseTestOutput("maven", combined)).toEqual(parseJUnitXml(read("junit/surefire-CalcTest.xml")));
  });
});

describe("parseTestOutput", () => {
  it("dispatches by framework name and alias", () => {
    expect(parseTestOutput("go test", read("go/json.txt"))).toEqual(parseGoTestJson(read("go/json.txt")));
    expect(parseTestOutput("node-test", read("node-test/tap.txt"))).toHaveLength(14);
    expect(() => parseTestOutput("nose", "")).toThrow(/unknown test framework "nose"/);
  });
});
