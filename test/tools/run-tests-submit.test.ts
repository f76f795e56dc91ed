import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ToolCall } from "../../src/model/index.js";
import {
  countResults,
  type TestCaseResult,
  type TestRunReport,
  type TestSelection,
} from "../../src/testing/index.js";
import { createDefaultTools, type RunTestsRequest, ToolRegistry } from "../../src/tools/index.js";
import { CALC_PY, DEFAULT_FILES, type Harness, makeHarness } from "./helpers.js";

const reg = new ToolRegistry(createDefaultTools());
let n = 0;
const call = (name: string, input: unknown, extra: Partial<ToolCall> = {}): ToolCall => ({
  id: `c${n++}`,
  name,
  input,
  ...extra,
});

const TEST_PY = [
  "import unittest",
  "from calc import add, Calculator",
  "",
  "class CalcTest(unittest.TestCase):",
  "    def test_add(self):",
  "        self.assertEqual(add(2, 3), 5)",
  "",
  "    def test_divide_by_zero(self):",
  "        with self.assertRaises(ValueError):",
  "            Calculator().divide(1, 0)",
  "",
  "if __name__ == '__main__':",
  "    unittest.main()",
  "",
].join("\n");

/** Parses `python -m unittest -v` lines: the small parser a test needs, not src/testing's. */
function parseUnittest(output: string): TestCaseResult[] {
  const tests: TestCaseResult[] = [];
  for (const m of output.matchAll(/^(test\w+) \(([\w.]+)\)[^\n]*? \.\.\. (ok|FAIL|ERROR|skipped)/gm)) {
    const status =
      m[3] === "ok" ? "passed" : m[3] === "FAIL" ? "failed" : m[3] === "ERROR" ? "error" : "skipped";
    // Python ≥ 3.11 prints the full id in the parentheses; older versions the class only.
    const name = m[2]!.endsWith(`.${m[1]}`) ? m[2]! : `${m[2]}.${m[1]}`;
    const block = new RegExp(
      `^(?:ERROR|FAIL): ${m[1]} [^\\n]*\\n-+\\n([\\s\\S]*?)(?=\\n={10,}|\\n-{10,}\\nRan)`,
      "m",
    ).exec(output);
    tests.push({ name, status, ...(block ? { message: block[1]!.trim() } : {}) });
  }
  return tests;
}

describe("run_tests and submit on a real sandbox", () => {
  let h: Harness;
  const requests: Array<TestSelection & RunTestsRequest> = [];
  let parse = true;

  beforeAll(async () => {
    h = await makeHarness({
      files: { ...DEFAULT_FILES, "test_calc.py": TEST_PY },
      runTests: async (selection?: RunTestsRequest) => {
        requests.push({ ...selection });
        const ids = selection?.tests?.length ? selection.tests.join(" ") : "";
        const command = `python3 -m unittest -v ${ids}`.trim();
        const r = await h.sandbox.execOnce(`${command} 2>&1`, { timeoutMs: selection?.timeoutMs ?? 60_000 });
        const report: TestRunReport = {
          command,
          exitCode: r.exitCode,
          timedOut: r.timedOut,
          durationMs: r.durationMs,
          output: r.stdout,
        };
        if (parse) {
          report.framework = "unittest";
          report.tests = parseUnittest(r.stdout);
          report.counts = countResults(report.tests);
        }
        return report;
      },
    });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("summarizes a failing run: command, exit code, counts, each failing test with its message", async () => {
    const r = await reg.execute(call("run_tests", {}), h.ctx);
    expect(r.isError).toBe(false);
    const lines = r.output.split("\n");
    expect(lines[0]).toBe("$ python3 -m unittest -v");
    expect(lines[1]).toMatch(/^exit code 1 · unittest · \d+\.\ds$/);
    expect(lines[2]).toBe("2 tests: 1 passed, 0 failed, 1 error, 0 skipped");
    expect(r.output).toContain("ERROR test_calc.CalcTest.test_divide_by_zero");
    expect(r.output).toContain("ZeroDivisionError: b is zero");
    expect(h.ctx.state.lastTestReport?.exitCode).toBe(1);
    expect(h.ctx.state.lastTestReport?.tests).toHaveLength(2);
  });

  it("passes the selection, related_only and timeout through; a passing run says so", async () => {
    await reg.execute(
      call("editor", {
        command: "str_replace",
        path: "calc.py",
        old_str: "raise ZeroDivisionError('b is zero')",
        new_str: "raise ValueError('b is zero')",
      }),
      h.ctx,
    );
    const r = await reg.execute(
      call("run_tests", {
        tests: ["test_calc.CalcTest.test_divide_by_zero"],
        related_only: true,
        timeout: 30,
      }),
      h.ctx,
    );
    expect(requests.at(-1)).toEqual({
      tests: ["test_calc.CalcTest.test_divide_by_zero"],
      relatedOnly: true,
      timeoutMs: 30_000,
    });
    expect(r.output).toContain("1 test: 1 passed, 0 failed, 0 errors, 0 skipped");
    expect(r.output).not.toContain("ERROR");
  });

  it("without per-test results it returns the bounded raw output", async () => {
    parse = false;
    try {
      const r = await reg.execute(call("run_tests", {}), h.ctx);
      expect(r.output).toMatch(/^\$ python3 -m unittest -v\nexit code 0 · [\d.]+s\n/);
      expect(r.output).toContain("Output:\n");
      expect(r.output).toContain("Ran 2 tests");
      expect(r.output).toContain("OK");
    } finally {
      parse = true;
    }
  });

  it("submit reports the diff stat and new files, and ends the run", async () => {
    await h.sandbox.writeFile("notes/new.md", "hello\n");
    const r = await reg.execute(call("submit", { summary: "Raise ValueError on division by zero." }), h.ctx);
    expect(r.submitted).toBe(true);
    expect(r.isError).toBe(false);
    expect(r.output).toContain("Submitted.\nSummary: Raise ValueError on division by zero.");
    expect(r.output).toMatch(/calc\.py \| 2 \+-/);
    expect(r.output).toContain("1 file changed, 1 insertion(+), 1 deletion(-)");
    expect(r.output).toContain("1 new file(s):\n  notes/new.md");
  });

  it("submit with no change warns that the diff is empty", async () => {
    await h.sandbox.writeFile("calc.py", CALC_PY);
    await h.sandbox.execOnce("rm -rf notes");
    const r = await reg.execute(call("submit", {}), h.ctx);
    expect(r.submitted).toBe(true);
    expect(r.output).toContain("the diff against the base commit is empty");
  });

  it("the registry turns malformed JSON, invalid input, unknown tools and sandbox failures into error results", async () => {
    const bad = await reg.execute(
      call("editor", undefined, {
        parseError: "Expected ',' or '}' after property value",
        rawInput: '{"command": "view" "path": "x"}',
      }),
      h.ctx,
    );
    expect(bad.isError).toBe(true);
    expect(bad.output).toContain("were not valid JSON: Expected ',' or '}' after property value");
    const invalid = await reg.execute(call("editor", { command: "create", path: "a.txt" }), h.ctx);
    expect(invalid).toEqual({
      output: "invalid input for editor: file_text: Invalid input: expected string, received undefined",
      isError: true,
    });
    const unknown = await reg.execute(call("str_replace_editor", {}), h.ctx);
    expect(unknown.output).toBe(
      'unknown tool "str_replace_editor"; the tools are: bash, editor, search, plan, run_tests, submit',
    );
    const throwing = { ...h.ctx, runTests: async () => Promise.reject(new Error("no test command found")) };
    const t = await reg.execute(call("run_tests", {}), throwing);
    expect(t).toEqual({ output: "run_tests failed: no test command found", isError: true });
  });
});
