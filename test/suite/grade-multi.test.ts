import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { goldStatusDifferences, gradeMultiSwe, multiSweResult } from "../../src/suite/grade-multi.js";
import type { MultiSweExpectation, MultiSweTestResult } from "../../src/task/index.js";
import { parseTaskRecord } from "../../src/task/index.js";

const DATA = resolve(import.meta.dirname, "../../../shared/datasets/multi-swe-bench");

const result = (passed: string[], failed: string[] = [], skipped: string[] = []): MultiSweTestResult => ({
  passed_tests: passed,
  failed_tests: failed,
  skipped_tests: skipped,
});

/** A small task: `a` was fixed by the gold patch, `b` and `c` passed all along, `d` is new. */
const expected: MultiSweExpectation = {
  runResult: result(["a", "b", "c"]),
  testPatchResult: result(["b", "c"], ["a"]),
  fixPatchResult: result(["a", "b", "c", "d"]),
  f2p: ["a"],
  p2p: ["b", "c"],
  s2p: [],
  n2p: ["d"],
};
const grade = (fix: MultiSweTestResult, exp = expected) =>
  gradeMultiSwe({ org: "o", repo: "r", number: 1, expected: exp, fix });

describe("Multi-SWE-bench grading", () => {
  it("resolves when every listed test makes its transition and nothing regresses", () => {
    const r = grade(result(["a", "b", "c", "d"]));
    expect(r.resolved).toBe(true);
    expect(r.valid).toBe(true);
    expect(Object.keys(r.f2p_tests)).toEqual(["a"]);
    expect(Object.keys(r.n2p_tests)).toEqual(["d"]);
    expect(r.p2p_tests.b).toEqual({ run: "PASS", test: "PASS", fix: "PASS" });
    expect(r.fixed_tests.a).toEqual({ run: "PASS", test: "FAIL", fix: "PASS" });
    expect(r.fix_patch_result.passed_count).toBe(4);
  });

  it("an empty fix run is invalid", () => {
    expect(grade(result([])).error_msg).toMatch(/no valid fix patch result/);
  });

  it("a test that passed with the test patch alone and fails now is a regression, listed or not", () => {
    const exp = { ...expected, testPatchResult: result(["b", "c", "e"], ["a"]) };
    const r = grade(result(["a", "b", "c", "d"], ["e"]), exp);
    expect(r.resolved).toBe(false);
    expect(r.error_msg).toMatch(/passed in test patch but failed in fix patch.*`e`/);
  });

  it("nothing fixed is unresolved", () => {
    const r = grade(result(["b", "c"], ["a"]));
    expect(r.resolved).toBe(false);
    expect(r.error_msg).toMatch(/No fix for failed test/);
  });

  it("a base-passing test that vanished with the test patch and fails now is anomalous", () => {
    const exp = { ...expected, runResult: result(["a", "b", "c", "x"]) };
    const r = grade(result(["a", "b", "c", "d"], ["x"]), exp);
    expect(r.error_msg).toMatch(/Anomalous pattern.*`x`/);
  });

  it("a listed test that did not run, or failed, leaves the task unresolved", () => {
    expect(grade(result(["a", "b", "c"])).error_msg).toMatch(/Missing n2p test: d \(not run\)/);
    const r = grade(result(["a", "b", "d"], [], ["c"]));
    expect(r.resolved).toBe(false);
    expect(r.error_msg).toMatch(/Missing p2p test: c/);
  });

  it("reads a status map: XFAIL passes, ERROR fails", () => {
    const r = multiSweResult(
      new Map([
        ["a", "PASSED"],
        ["b", "XFAIL"],
        ["c", "ERROR"],
        ["d", "SKIPPED"],
      ] as const),
    );
    expect(r).toMatchObject({ passed_tests: ["a", "b"], failed_tests: ["c"], skipped_tests: ["d"] });
    expect([r.passed_count, r.failed_count, r.skipped_count]).toEqual([2, 1, 1]);
  });

  it("compares a gold run with the record's gold statuses, test by test", () => {
    expect(goldStatusDifferences(expected, result(["a", "b", "c", "d"]))).toEqual([]);
    expect(goldStatusDifferences(expected, result(["a", "b"], ["c"]))).toEqual([
      { test: "c", expected: "PASS", here: "FAIL" },
      { test: "d", expected: "PASS", here: "NONE" },
    ]);
  });

  // The official runs of every real record: its own gold run must resolve it, and the run with the
  // test patch alone (what an empty patch gives) must not.
  const files = existsSync(DATA) ? readdirSync(DATA).filter((f) => f.endsWith(".jsonl")) : [];
  it.runIf(files.length > 0)(
    "on the real records: the gold run resolves, the test-patch run does not",
    () => {
      let n = 0;
      for (const f of files) {
        for (const line of readFileSync(join(DATA, f), "utf8").split("\n").filter(Boolean)) {
          const t = parseTaskRecord(JSON.parse(line), f, DATA);
          const exp = t.multiSwe!;
          const g = (fix: MultiSweTestResult) =>
            gradeMultiSwe({ org: "o", repo: "r", number: 1, expected: exp, fix });
          expect(
            g(exp.fixPatchResult).resolved,
            `${t.instanceId} gold: ${g(exp.fixPatchResult).error_msg}`,
          ).toBe(true);
          expect(g(exp.testPatchResult).resolved, `${t.instanceId} test patch alone`).toBe(false);
          n++;
        }
      }
      expect(n).toBe(120);
    },
  );
});
