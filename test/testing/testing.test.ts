import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  canonicalTestId,
  countResults,
  evaluateTests,
  parsePytest,
  relatedTests,
  summarizeTestReport,
  type TestCaseResult,
  type TestRunReport,
} from "../../src/testing/index.js";

const pytestOutput = readFileSync(join(import.meta.dirname, "testdata/pytest/rA-v.txt"), "utf8");

function report(tests: TestCaseResult[] | undefined, extra: Partial<TestRunReport> = {}): TestRunReport {
  return {
    command: "python3 -m pytest -rA -v -p no:cacheprovider",
    exitCode: 1,
    timedOut: false,
    durationMs: 2500,
    output: pytestOutput,
    framework: "pytest",
    ...(tests ? { tests, counts: countResults(tests) } : {}),
    ...extra,
  };
}

describe("summarizeTestReport", () => {
  const tests = parsePytest(pytestOutput);

  it("gives the command, exit code, counts and each failing test with its message", () => {
    const s = summarizeTestReport(report(tests), { maxChars: 4000 });
    const lines = s.split("\n");
    expect(lines[0]).toBe("$ python3 -m pytest -rA -v -p no:cacheprovider");
    expect(lines[1]).toBe("exit code 1 · pytest · 2.5s");
    expect(lines[2]).toBe("17 tests: 8 passed, 4 failed, 2 errors, 3 skipped");
    for (const t of tests.filter((x) => x.status === "failed")) expect(s).toContain(`FAILED ${t.name}`);
    for (const t of tests.filter((x) => x.status === "error")) expect(s).toContain(`ERROR ${t.name}`);
    expect(s).toContain("    AssertionError: two plus two should be five");
    expect(s).not.toContain("test_words");
    expect(s).not.toContain("test session starts"); // raw output only when nothing was parsed
    expect(s.length).toBeLessThanOrEqual(4000);
  });

  it("stays under maxChars and still names the failing tests it has no room for", () => {
    const s = summarizeTestReport(report(tests), { maxChars: 700 });
    expect(s.length).toBeLessThanOrEqual(700);
    expect(s).toContain("17 tests: 8 passed, 4 failed, 2 errors, 3 skipped");
    expect(s).toMatch(/… and \d+ more failing tests?: /);
    expect(s).toContain("test_raises_unexpected");
  });

  it("trims long messages to a few lines", () => {
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    const s = summarizeTestReport(report([{ name: "t", status: "failed", message: long }]), {
      messageLines: 3,
    });
    expect(s).toContain("    line 2\n");
    expect(s).not.toContain("line 3\n");
    expect(s).toContain("(37 more lines)");
  });

  it("shows the bounded raw output head and tail when nothing was parsed", () => {
    const output = `${"start of output\n"}${"noise\n".repeat(5000)}Segmentation fault (core dumped)\n`;
    const s = summarizeTestReport(report(undefined, { output, exitCode: 139, framework: undefined }), {
      maxChars: 1500,
    });
    expect(s).toContain("exit code 139");
    expect(s).toContain("No per-test results could be parsed");
    expect(s).toContain("start of output");
    expect(s).toContain("Segmentation fault (core dumped)");
    expect(s).toMatch(/characters \(\d+ lines\) elided/);
    expect(s.length).toBeLessThanOrEqual(1500);
  });

  it("reports a timeout and a green run", () => {
    const green: TestCaseResult[] = [{ name: "a", status: "passed" }];
    expect(summarizeTestReport(report(green, { exitCode: 0 }))).toBe(
      "$ python3 -m pytest -rA -v -p no:cacheprovider\nexit code 0 · pytest · 2.5s\n1 test: 1 passed, 0 failed, 0 errors, 0 skipped",
    );
    expect(summarizeTestReport(report(green, { timedOut: true, durationMs: 60_000 }))).toContain(
      "timed out after 60s",
    );
  });
});

describe("relatedTests", () => {
  const all = [
    "tests/test_calc.py",
    "tests/calc_test.py",
    "tests/test_other.py",
    "pkg/sub/tests/test_util.py",
    "src/foo.test.ts",
    "src/foo.spec.ts",
    "src/__tests__/foo.ts",
    "test/bar.test.js",
    "lib/other/foo.test.ts",
    "mathx/mathx_test.go",
    "mathx/more_test.go",
    "strs/strs_test.go",
    "tests/parser.rs",
    "src/test/java/example/CalcTest.java",
  ];

  it("maps Python modules to test_x.py / x_test.py", () => {
    expect(relatedTests(["calc.py"], all)).toEqual(["tests/calc_test.py", "tests/test_calc.py"]);
    expect(relatedTests(["pkg/sub/util.py"], all)).toEqual(["pkg/sub/tests/test_util.py"]);
    expect(relatedTests(["pkg/util/__init__.py"], all)).toEqual(["pkg/sub/tests/test_util.py"]);
  });

  it("maps TS/JS modules to .test/.spec/__tests__ files, nearest first", () => {
    expect(relatedTests(["src/foo.ts"], all)).toEqual([
      "src/foo.spec.ts",
      "src/foo.test.ts",
      "src/__tests__/foo.ts",
      "lib/other/foo.test.ts",
    ]);
    expect(relatedTests(["lib/bar.js"], all)).toEqual(["test/bar.test.js"]);
  });

  it("maps Go files to the _test.go files of their package, Rust and Java by name", () => {
    expect(relatedTests(["mathx/mathx.go"], all)).toEqual(["mathx/mathx_test.go", "mathx/more_test.go"]);
    expect(relatedTests(["src/parser.rs"], all)).toEqual(["tests/parser.rs"]);
    expect(relatedTests(["src/main/java/example/Calc.java"], all)).toEqual([
      "src/test/java/example/CalcTest.java",
    ]);
  });

  it("keeps a changed test file itself, dedupes, and finds nothing for unrelated files", () => {
    expect(relatedTests(["tests/test_other.py", "tests/test_other.py"], all)).toEqual([
      "tests/test_other.py",
    ]);
    expect(relatedTests(["src/lib.rs"], ["src/lib.rs", ...all])).toEqual(["src/lib.rs"]);
    expect(relatedTests(["README.md", "setup.py"], all)).toEqual([]);
  });
});

describe("evaluateTests", () => {
  const results = parsePytest(pytestOutput);

  it("resolves when FAIL_TO_PASS pass and PASS_TO_PASS pass or are skipped", () => {
    const e = evaluateTests(
      results,
      ["tests/test_calc.py::test_add", "tests/test_calc.py::test_xfail"],
      ["tests/test_calc.py::test_words[hello world]", "tests/test_calc.py::test_skipped"],
    );
    expect(e).toEqual({
      resolved: true,
      failToPass: {
        passed: ["tests/test_calc.py::test_add", "tests/test_calc.py::test_xfail"],
        failed: [],
        missing: [],
      },
      passToPass: {
        passed: ["tests/test_calc.py::test_words[hello world]", "tests/test_calc.py::test_skipped"],
        failed: [],
        missing: [],
      },
    });
  });

  it("is not resolved by a failing, erroring, skipped FAIL_TO_PASS or a missing test", () => {
    const e = evaluateTests(
      results,
      [
        "tests/test_calc.py::test_add_wrong",
        "tests/test_calc.py::test_uses_broken",
        "tests/test_calc.py::test_skipped",
        "tests/test_calc.py::test_gone",
      ],
      ["tests/test_calc.py::TestCalc::test_method_fail", "tests/test_calc.py::test_add"],
    );
    expect(e.resolved).toBe(false);
    expect(e.failToPass).toEqual({
      passed: [],
      failed: [
        "tests/test_calc.py::test_add_wrong",
        "tests/test_calc.py::test_uses_broken",
        "tests/test_calc.py::test_skipped",
      ],
      missing: ["tests/test_calc.py::test_gone"],
    });
    expect(e.passToPass).toEqual({
      passed: ["tests/test_calc.py::test_add"],
      failed: ["tests/test_calc.py::TestCalc::test_method_fail"],
      missing: [],
    });
    expect(evaluateTests(results, [], ["tests/test_calc.py::nope"]).resolved).toBe(false);
    expect(evaluateTests(results, [], []).resolved).toBe(true);
  });

  it("matches pytest ids across forms (JUnit dotted names, ./ prefixes, ids cut at a space)", () => {
    const junitStyle: TestCaseResult[] = [
      { name: "tests.test_calc.TestCalc.test_method_ok", status: "passed" },
      { name: "tests.test_calc.test_words[hello world]", status: "passed" },
    ];
    const e = evaluateTests(
      junitStyle,
      ["tests/test_calc.py::TestCalc::test_method_ok", "./tests/test_calc.py::test_words[hello"],
      [],
    );
    expect(e.failToPass.passed).toHaveLength(2);
    expect(e.resolved).toBe(true);
  });

  it("matches unittest ids in Django/SWE-bench, Python 3.11 and dotted forms", () => {
    const r: TestCaseResult[] = [{ name: "test_x (app.tests.ModelTests)", status: "passed" }];
    for (const id of [
      "test_x (app.tests.ModelTests)",
      "test_x (app.tests.ModelTests.test_x)",
      "app.tests.ModelTests.test_x",
    ])
      expect(evaluateTests(r, [id], []).resolved).toBe(true);
    expect(canonicalTestId("test_x (a.B.test_x)")).toBe(canonicalTestId("test_x (a.B)"));
    expect(canonicalTestId("tests/test_a.py::C::t[x/y.z]")).toBe("tests.test_a.C.t[x/y.z]");
  });
});
