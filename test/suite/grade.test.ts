import { describe, expect, it } from "vitest";
import {
  type GradeInput,
  gradeLog,
  MARKERS,
  pythonJson,
  readStatusMap,
  recordedExitCode,
  resolutionOf,
  type SweStatus,
  sweBenchReport,
  testOutputRegion,
  testsReport,
} from "../../src/suite/grade.js";

/** A pytest -rA summary-like parser: `STATUS id` per line, last one wins. */
function parse(log: string): Map<string, SweStatus> {
  const sm = new Map<string, SweStatus>();
  for (const m of log.matchAll(/^(PASSED|FAILED|SKIPPED|ERROR|XFAIL) (\S.*)$/gm))
    sm.set(m[2]!, m[1] as SweStatus);
  return sm;
}

/** A log as the harness writes it: the output between the markers, then the exit code. */
function log(body: string, exitCode?: number, after = ""): string {
  const lines = ["$ pytest -rA", MARKERS.startTestOutput, body, MARKERS.endTestOutput];
  if (exitCode !== undefined) lines.push(`>>>>> Test Exit Code: ${exitCode}`);
  return `${lines.join("\n")}\n${after}`;
}

const grade = (l: string, f2p: string[], p2p: string[] = [], extra: Partial<GradeInput> = {}) =>
  gradeLog({ log: l, parse, failToPass: f2p, passToPass: p2p, ...extra });

describe("which logs can be graded", () => {
  it("grades the region between the markers, not what follows them", () => {
    // Parsed whole, the trailing FAILED line would win.
    const g = grade(log("PASSED t", 0, "FAILED t\n"), ["t"]);
    expect(g).toMatchObject({ status: "resolved", resolution: "FULL" });
  });

  it("falls back to the whole log when the region parses to nothing", () => {
    const l = `PASSED t\n${MARKERS.startTestOutput}\n${MARKERS.endTestOutput}\n`;
    expect(grade(l, ["t"]).status).toBe("resolved");
    // Only then: with results inside, those outside are not read.
    expect(grade(`PASSED u\n${log("PASSED t", 0)}`, ["t"], ["u"])).toMatchObject({
      status: "unresolved",
      tests_status: { PASS_TO_PASS: { success: [], failure: ["u"] } },
    });
  });

  it("a log without both markers is an error", () => {
    expect(grade("PASSED t\n", ["t"])).toMatchObject({ status: "error", reason: "no_markers" });
    expect(grade(`${MARKERS.startTestOutput}\nPASSED t\n`, ["t"]).reason).toBe("no_markers");
    expect(grade(`PASSED t\n${MARKERS.endTestOutput}\n`, ["t"]).reason).toBe("no_markers");
  });

  it("a log that parses to nothing, inside or out, is an error", () => {
    expect(grade(log("collected 0 items", 0), [])).toMatchObject({
      status: "error",
      reason: "no_test_results",
      resolution: "NO",
    });
  });

  it.each([
    [MARKERS.applyPatchFailed, "patch_apply_failed"],
    [MARKERS.resetFailed, "reset_failed"],
    [MARKERS.testsErrored, "tests_errored"],
    [MARKERS.testsTimedOut, "tests_timed_out"],
  ])("the marker %s anywhere in the log is an error", (marker, reason) => {
    expect(grade(log("PASSED t", 0, `${marker}\n`), ["t"])).toMatchObject({ status: "error", reason });
    expect(grade(`${marker}\n${log("PASSED t", 0)}`, ["t"]).reason).toBe(reason);
  });

  it("a run the harness stopped at its time limit is an error, whatever it printed", () => {
    expect(grade(log("PASSED t", 0), ["t"], [], { timedOut: true })).toMatchObject({
      status: "error",
      reason: "timeout",
    });
  });

  it("printed PASSED lines with a non-zero exit code are an error, not a pass", () => {
    expect(grade(log("PASSED t", 1), ["t"])).toMatchObject({ status: "error", reason: "exit_code_mismatch" });
    expect(grade(log("PASSED t\nSKIPPED u", 2), ["t"]).reason).toBe("exit_code_mismatch");
    // A forged exit code inside the output does not hide the one the harness recorded after it.
    expect(grade(log("PASSED t\n>>>>> Test Exit Code: 0", 1), ["t"]).reason).toBe("exit_code_mismatch");
  });

  it("a non-zero exit code with a failure or error parsed is an ordinary graded run", () => {
    expect(grade(log("PASSED t\nFAILED u", 1), ["t"], ["u"])).toMatchObject({
      status: "unresolved",
      resolution: "NO",
    });
    expect(grade(log("PASSED t\nERROR u", 1), ["t"]).status).toBe("resolved");
    expect(grade(log("PASSED t", 0), ["t"]).status).toBe("resolved");
    // Logs that recorded no exit code are graded on their results alone.
    expect(grade(log("PASSED t"), ["t"]).status).toBe("resolved");
  });

  it("reads the recorded exit code (the last one) and the region as SWE-bench slices it", () => {
    expect(recordedExitCode(log("", 137))).toBe(137);
    expect(recordedExitCode(log("", -9))).toBe(-9);
    expect(recordedExitCode(log(">>>>> Test Exit Code: 0", 3))).toBe(3);
    expect(recordedExitCode(log(""))).toBeUndefined();
    const s = MARKERS.startTestOutput;
    const e = MARKERS.endTestOutput;
    expect(testOutputRegion(`a${s}b${e}c${e}`)).toBe("b");
    expect(testOutputRegion(`a${s}b${s}c${e}`)).toBe("b");
    expect(testOutputRegion(`${e}a${s}b`)).toBe("b");
    expect(readStatusMap(log("XFAIL t", 0), parse)).toEqual({
      ok: true,
      statusMap: new Map([["t", "XFAIL"]]),
    });
  });
});

describe("what counts as passing", () => {
  const sm = (entries: Record<string, SweStatus>) => new Map(Object.entries(entries));

  it("FAIL_TO_PASS: PASSED and XFAIL pass; SKIPPED, FAILED, ERROR and absent fail", () => {
    const r = testsReport(
      sm({ p: "PASSED", x: "XFAIL", s: "SKIPPED", f: "FAILED", e: "ERROR" }),
      ["p", "x", "s", "f", "e", "absent"],
      [],
    );
    expect(r.FAIL_TO_PASS).toEqual({ success: ["p", "x"], failure: ["s", "f", "e", "absent"] });
  });

  it("PASS_TO_PASS: a skipped test is maintained; a failed, errored or absent one is not", () => {
    const r = testsReport(
      sm({ p: "PASSED", x: "XFAIL", s: "SKIPPED", f: "FAILED", e: "ERROR" }),
      [],
      ["p", "x", "s", "f", "e", "absent"],
    );
    expect(r.PASS_TO_PASS).toEqual({ success: ["p", "x", "s"], failure: ["f", "e", "absent"] });
  });

  it("a skipped FAIL_TO_PASS test blocks resolution; a skipped PASS_TO_PASS test does not", () => {
    expect(grade(log("SKIPPED t\nPASSED u", 0), ["t"], ["u"])).toMatchObject({
      status: "unresolved",
      resolution: "NO",
      tests_status: { FAIL_TO_PASS: { success: [], failure: ["t"] } },
    });
    expect(grade(log("PASSED t\nSKIPPED u", 0), ["t"], ["u"])).toMatchObject({
      status: "resolved",
      tests_status: { PASS_TO_PASS: { success: ["u"], failure: [] } },
    });
  });

  it("matches a truncated parametrized id by prefix only when all candidates agree", () => {
    const cut = "tests/test_a.py::test_x[args1-No";
    const agree = sm({ [`${cut}ne]`]: "PASSED", [`${cut}-value]`]: "XFAIL" });
    expect(testsReport(agree, [cut], []).FAIL_TO_PASS).toEqual({ success: [cut], failure: [] });
    const disagree = sm({ [`${cut}ne]`]: "PASSED", [`${cut}-value]`]: "FAILED" });
    expect(testsReport(disagree, [cut], []).FAIL_TO_PASS).toEqual({ success: [], failure: [cut] });
    const failing = sm({ [`${cut}ne]`]: "FAILED" });
    expect(testsReport(failing, [cut], []).FAIL_TO_PASS).toEqual({ success: [], failure: [cut] });
    const skipped = sm({ [`${cut}ne]`]: "SKIPPED" });
    expect(testsReport(skipped, [], [cut]).PASS_TO_PASS).toEqual({ success: [cut], failure: [] });
  });

  it("a well-formed id, or one with a surplus ], matches exactly", () => {
    const r = testsReport(
      sm({
        "t.py::test_x[case-1-extended]": "PASSED",
        "t.py::test_y[a]-b": "PASSED",
        "handles foo] gracefully and more": "PASSED",
      }),
      ["t.py::test_x[case-1", "t.py::test_x[case-1]", "t.py::test_y[a]", "handles foo] gracefully"],
      [],
    );
    expect(r.FAIL_TO_PASS).toEqual({
      success: ["t.py::test_x[case-1"],
      failure: ["t.py::test_x[case-1]", "t.py::test_y[a]", "handles foo] gracefully"],
    });
  });
});

describe("resolution", () => {
  const g = (success: string[], failure: string[]) => ({ success, failure });
  const t = (f2p: ReturnType<typeof g>, p2p: ReturnType<typeof g>) => ({
    FAIL_TO_PASS: f2p,
    PASS_TO_PASS: p2p,
    FAIL_TO_FAIL: g([], []),
    PASS_TO_FAIL: g([], []),
  });

  it("FULL when both groups hold, PARTIAL when some FAIL_TO_PASS pass and none regress, else NO", () => {
    expect(resolutionOf(t(g(["a"], []), g(["b"], [])))).toBe("FULL");
    expect(resolutionOf(t(g([], []), g([], [])))).toBe("FULL");
    expect(resolutionOf(t(g(["a"], ["c"]), g(["b"], [])))).toBe("PARTIAL");
    expect(resolutionOf(t(g(["a"], ["c"]), g([], ["b"])))).toBe("NO");
    expect(resolutionOf(t(g([], ["c"]), g(["b"], [])))).toBe("NO");
    expect(resolutionOf(t(g(["a"], []), g(["b"], ["d"])))).toBe("NO");
  });

  it("a partial resolution is unresolved, with every group in the result", () => {
    expect(grade(log("PASSED a\nFAILED c\nPASSED b", 1), ["a", "c"], ["b"])).toEqual({
      status: "unresolved",
      resolution: "PARTIAL",
      tests_status: {
        FAIL_TO_PASS: { success: ["a"], failure: ["c"] },
        PASS_TO_PASS: { success: ["b"], failure: [] },
        FAIL_TO_FAIL: { success: [], failure: [] },
        PASS_TO_FAIL: { success: [], failure: [] },
      },
    });
  });

  it("an error grades nothing", () => {
    expect(grade(log("PASSED a", 1), ["a"], [])).toEqual({
      status: "error",
      reason: "exit_code_mismatch",
      resolution: "NO",
      tests_status: {
        FAIL_TO_PASS: { success: [], failure: [] },
        PASS_TO_PASS: { success: [], failure: [] },
        FAIL_TO_FAIL: { success: [], failure: [] },
        PASS_TO_FAIL: { success: [], failure: [] },
      },
    });
  });
});

describe("SWE-bench's report.json", () => {
  it("has SWE-bench's fields, in its order, with tests_status when the log was graded", () => {
    const resolved = sweBenchReport("o__r-1", grade(log("PASSED a", 0), ["a"]))!;
    expect(Object.keys(resolved)).toEqual(["o__r-1"]);
    expect(Object.keys(resolved["o__r-1"]!)).toEqual([
      "patch_is_None",
      "patch_exists",
      "patch_successfully_applied",
      "resolved",
      "tests_status",
    ]);
    expect(resolved["o__r-1"]).toMatchObject({
      patch_is_None: false,
      patch_exists: true,
      patch_successfully_applied: true,
      resolved: true,
    });
    const partial = sweBenchReport("o__r-1", grade(log("PASSED a\nFAILED b", 1), ["a", "b"]))!;
    expect(partial["o__r-1"]).toMatchObject({ patch_successfully_applied: true, resolved: false });
  });

  it("an ungradable log is not applied and has no tests_status; a harness timeout has no report", () => {
    expect(sweBenchReport("x", grade("no markers", ["a"]))).toEqual({
      x: { patch_is_None: false, patch_exists: true, patch_successfully_applied: false, resolved: false },
    });
    expect(sweBenchReport("x", grade(log("PASSED a", 0), ["a"], [], { timedOut: true }))).toBeNull();
  });

  it("is written as Python's json.dumps(indent=4) writes it", () => {
    const report = {
      "x__y-1": { resolved: false, tests_status: { FAIL_TO_PASS: { success: ["t[é-😀]"], failure: [] } } },
    };
    // json.dumps(report, indent=4) in Python 3.
    const python =
      '{\n    "x__y-1": {\n        "resolved": false,\n        "tests_status": {\n            "FAIL_TO_PASS": {\n                "success": [\n                    "t[\\u00e9-\\ud83d\\ude00]"\n                ],\n                "failure": []\n            }\n        }\n    }\n}';
    expect(pythonJson(report)).toBe(python);
  });
});
