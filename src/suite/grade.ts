/**
 * Grading as SWE-bench defines it, from the log of one test run: pure functions, no I/O.
 *
 * The rules, marker strings and field names follow SWE-bench's harness at the commit this was
 * written against (swebench/harness/grading.py, constants/__init__.py, run_evaluation.py and
 * tests/test_grading_*.py of github.com/SWE-bench/SWE-bench, 7a21e05). Two deliberate
 * differences: a log that parses to nothing is always an error (SWE-bench accepts it when the
 * output shows a fail-only runner ran; we grade pass-and-fail only), and the recorded exit code
 * is read from the last such line (SWE-bench reads the first, which the tests could forge).
 */

import type { SweLogParser, SweStatus } from "../testing/index.js";

export type { SweStatus };
/** Reads a test log into test id → status; an empty map when it recognises nothing. */
export type StatusMapParser = SweLogParser;

/** The harness's log markers (SWE-bench's constants, same strings). */
export const MARKERS = {
  applyPatchFailed: ">>>>> Patch Apply Failed",
  resetFailed: ">>>>> Reset Failed",
  testsErrored: ">>>>> Tests Errored",
  testsTimedOut: ">>>>> Tests Timed Out",
  startTestOutput: ">>>>> Start Test Output",
  endTestOutput: ">>>>> End Test Output",
  testExitCode: ">>>>> Test Exit Code",
} as const;

/** Why a log could not be graded. */
export type GradeErrorReason =
  /** The harness stopped the run at its time limit. */
  | "timeout"
  | "patch_apply_failed"
  | "reset_failed"
  | "tests_errored"
  /** The log itself says the tests timed out (the marker). */
  | "tests_timed_out"
  | "no_markers"
  | "no_test_results"
  /** Non-zero exit with no failure parsed: the log does not describe the run (printed PASSED lines). */
  | "exit_code_mismatch";

export interface TestGroup {
  success: string[];
  failure: string[];
}

/** SWE-bench's `tests_status`. FAIL_TO_FAIL and PASS_TO_FAIL stay empty, as in SWE-bench's reports. */
export interface TestsStatus {
  FAIL_TO_PASS: TestGroup;
  PASS_TO_PASS: TestGroup;
  FAIL_TO_FAIL: TestGroup;
  PASS_TO_FAIL: TestGroup;
}

/** SWE-bench's ResolvedStatus: FULL is resolved; PARTIAL some FAIL_TO_PASS pass and no regression. */
export type Resolution = "FULL" | "PARTIAL" | "NO";

export interface GradeResult {
  status: "resolved" | "unresolved" | "error";
  reason?: GradeErrorReason;
  /** Empty groups on an error: nothing was graded. */
  tests_status: TestsStatus;
  /** NO on an error. */
  resolution: Resolution;
}

export interface GradeInput {
  /** The whole log of the run, markers included. */
  log: string;
  parse: StatusMapParser;
  failToPass: readonly string[];
  passToPass: readonly string[];
  /** The harness stopped the run at its time limit. */
  timedOut?: boolean;
}

const BAD_CODES: [string, GradeErrorReason][] = [
  [MARKERS.applyPatchFailed, "patch_apply_failed"],
  [MARKERS.resetFailed, "reset_failed"],
  [MARKERS.testsErrored, "tests_errored"],
  [MARKERS.testsTimedOut, "tests_timed_out"],
];

const EXIT_CODE_RE = /^>>>>> Test Exit Code:\s*(-?\d+)/gm;

/**
 * The test command's exit code the harness recorded, or undefined. The last record wins: the
 * harness writes it after all test output, so a test can only print a forged one before it.
 */
export function recordedExitCode(log: string): number | undefined {
  let code: number | undefined;
  for (const m of log.matchAll(EXIT_CODE_RE)) code = Number(m[1]);
  return code;
}

/** The text SWE-bench parses: from the first start marker to the first end marker after it. */
export function testOutputRegion(log: string): string | undefined {
  if (!log.includes(MARKERS.startTestOutput) || !log.includes(MARKERS.endTestOutput)) return undefined;
  // As SWE-bench's split(START)[1].split(END)[0]: a second start marker also ends the region.
  return log.split(MARKERS.startTestOutput)[1]!.split(MARKERS.endTestOutput)[0]!;
}

export type StatusMapResult =
  | { ok: true; statusMap: Map<string, SweStatus> }
  | { ok: false; reason: GradeErrorReason };

/** SWE-bench's get_logs_eval: the status map of a log, or why the log cannot be graded. */
export function readStatusMap(log: string, parse: StatusMapParser, timedOut = false): StatusMapResult {
  if (timedOut) return { ok: false, reason: "timeout" };
  for (const [marker, reason] of BAD_CODES) if (log.includes(marker)) return { ok: false, reason };
  const region = testOutputRegion(log);
  if (region === undefined) return { ok: false, reason: "no_markers" };
  let statusMap = parse(region);
  // Runners whose stdout and stderr interleave can put results outside the markers.
  if (!statusMap.size) statusMap = parse(log);
  if (!statusMap.size) return { ok: false, reason: "no_test_results" };
  const code = recordedExitCode(log);
  if (
    code !== undefined &&
    code !== 0 &&
    ![...statusMap.values()].some((s) => s === "FAILED" || s === "ERROR")
  )
    return { ok: false, reason: "exit_code_mismatch" };
  return { ok: true, statusMap };
}

const PASSING: ReadonlySet<SweStatus> = new Set(["PASSED", "XFAIL"]);

/**
 * The status-map key for a test id. Ids cut mid-parameter (more `[` than `]`, as in some
 * SWE-bench Verified records) match by prefix, and only when every candidate agrees on
 * pass-vs-fail; well-formed ids match exactly.
 */
export function resolveCase(id: string, sm: ReadonlyMap<string, SweStatus>): string | undefined {
  if (sm.has(id)) return id;
  const open = id.split("[").length - 1;
  const close = id.split("]").length - 1;
  if (open <= close) return undefined;
  const matches = [...sm.keys()].filter((k) => k.startsWith(id));
  const outcomes = new Set(matches.map((k) => PASSING.has(sm.get(k)!)));
  return matches.length && outcomes.size === 1 ? matches[0] : undefined;
}

/** PASSED or XFAIL. */
export function testPassed(id: string, sm: ReadonlyMap<string, SweStatus>): boolean {
  const key = resolveCase(id, sm);
  return key !== undefined && PASSING.has(sm.get(key)!);
}

/** PASS_TO_PASS: passed, or skipped (a skipped test is not a regression). */
export function testMaintained(id: string, sm: ReadonlyMap<string, SweStatus>): boolean {
  const key = resolveCase(id, sm);
  return testPassed(id, sm) || (key !== undefined && sm.get(key) === "SKIPPED");
}

/** Absent, FAILED, ERROR or SKIPPED (a skipped FAIL_TO_PASS test is no resolution). */
export function testFailed(id: string, sm: ReadonlyMap<string, SweStatus>): boolean {
  const key = resolveCase(id, sm);
  if (key === undefined) return true;
  const s = sm.get(key);
  return s === "FAILED" || s === "ERROR" || s === "SKIPPED";
}

const emptyGroup = (): TestGroup => ({ success: [], failure: [] });

/** SWE-bench's get_eval_tests_report (pass-and-fail): each named test in success, failure or neither. */
export function testsReport(
  sm: ReadonlyMap<string, SweStatus>,
  failToPass: readonly string[],
  passToPass: readonly string[],
): TestsStatus {
  const sort = (ids: readonly string[], ok: (id: string) => boolean): TestGroup => {
    const g = emptyGroup();
    for (const id of ids) {
      if (ok(id)) g.success.push(id);
      else if (testFailed(id, sm)) g.failure.push(id);
    }
    return g;
  };
  return {
    FAIL_TO_PASS: sort(failToPass, (id) => testPassed(id, sm)),
    PASS_TO_PASS: sort(passToPass, (id) => testMaintained(id, sm)),
    FAIL_TO_FAIL: emptyGroup(),
    PASS_TO_FAIL: emptyGroup(),
  };
}

/** Share of a group that succeeded; 1 for an empty group, as SWE-bench computes it. */
function rate(g: TestGroup): number {
  const total = g.success.length + g.failure.length;
  return total ? g.success.length / total : 1;
}

/** SWE-bench's get_resolution_status. */
export function resolutionOf(t: TestsStatus): Resolution {
  const f2p = rate(t.FAIL_TO_PASS);
  const p2p = rate(t.PASS_TO_PASS);
  if (f2p === 1 && p2p === 1) return "FULL";
  if (f2p > 0 && f2p < 1 && p2p === 1) return "PARTIAL";
  return "NO";
}

/** Grades one run's log: resolved only when FAIL_TO_PASS and PASS_TO_PASS both hold fully. */
export function gradeLog(input: GradeInput): GradeResult {
  const read = readStatusMap(input.log, input.parse, input.timedOut ?? false);
  if (!read.ok) {
    return {
      status: "error",
      reason: read.reason,
      tests_status: {
        FAIL_TO_PASS: emptyGroup(),
        PASS_TO_PASS: emptyGroup(),
        FAIL_TO_FAIL: emptyGroup(),
        PASS_TO_FAIL: emptyGroup(),
      },
      resolution: "NO",
    };
  }
  const tests_status = testsReport(read.statusMap, input.failToPass, input.passToPass);
  const resolution = resolutionOf(tests_status);
  return { status: resolution === "FULL" ? "resolved" : "unresolved", tests_status, resolution };
}

/** One instance's `report.json` as SWE-bench's run_evaluation writes it. */
export type SweBenchReport = Record<
  string,
  {
    patch_is_None: boolean;
    patch_exists: boolean;
    patch_successfully_applied: boolean;
    resolved: boolean;
    tests_status?: TestsStatus;
  }
>;

/**
 * SWE-bench's get_eval_report for a non-empty patch whose tests ran: `patch_successfully_applied`
 * means the log could be graded, and `tests_status` is there only then. Null for a run the
 * harness stopped at its time limit: SWE-bench writes no report.json for one.
 */
export function sweBenchReport(instanceId: string, g: GradeResult): SweBenchReport | null {
  if (g.reason === "timeout") return null;
  const graded = g.status !== "error";
  return {
    [instanceId]: {
      patch_is_None: false,
      patch_exists: true,
      patch_successfully_applied: graded,
      resolved: g.status === "resolved",
      ...(graded ? { tests_status: g.tests_status } : {}),
    },
  };
}

/**
 * JSON as Python's `json.dumps(value, indent=4)` writes it (non-ASCII escaped, no final newline),
 * so that our report.json files compare byte for byte with SWE-bench's.
 */
export function pythonJson(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
