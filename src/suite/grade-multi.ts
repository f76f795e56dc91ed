/**
 * Grading as Multi-SWE-bench defines it: pure functions, no I/O.
 *
 * Multi-SWE-bench grades a prediction by one run of the repository's tests with the test patch
 * and the prediction applied (the "fix" run), set against the two official runs its record
 * carries: at the base commit (`run`) and with the test patch alone (`test`). Each test gets a
 * transition {run, test, fix}; a prediction resolves the task when the three runs together pass
 * the harness's validity check and every test the record lists under p2p/f2p/s2p/n2p makes the
 * same transition again. Sources (facts, not code): multi-swe-bench/multi-swe-bench
 * `multi_swe_bench/harness/report.py` (Report.check) and `test_result.py` (TestStatus), and its
 * evaluation mode as reproduced by the Harbor adapter's `run_tests.py`; the transition names
 * (test FAIL → f2p, SKIP → s2p, NONE → n2p, PASS → p2p, each to fix PASS) are those of every
 * record in ../shared/datasets/multi-swe-bench.
 */
import type { MultiSweExpectation, MultiSweStatus, MultiSweTestResult } from "../task/index.js";
import type { SweStatus } from "../testing/index.js";
import type { TestsStatus } from "./grade.js";

export interface MultiSweTransition {
  run: MultiSweStatus;
  test: MultiSweStatus;
  fix: MultiSweStatus;
}

/** A run's results with their counts, as Multi-SWE-bench's report.json writes them. */
export interface MultiSweResultCounts extends MultiSweTestResult {
  passed_count: number;
  failed_count: number;
  skipped_count: number;
}

/** One instance's report.json in Multi-SWE-bench's shape, plus `resolved`. */
export interface MultiSweReport {
  org: string;
  repo: string;
  number: number;
  /** Multi-SWE-bench's verdict: the validity check passed and every listed test made its transition. */
  resolved: boolean;
  /** The same verdict under the harness's own name. */
  valid: boolean;
  error_msg: string;
  fixed_tests: Record<string, MultiSweTransition>;
  p2p_tests: Record<string, MultiSweTransition>;
  f2p_tests: Record<string, MultiSweTransition>;
  s2p_tests: Record<string, MultiSweTransition>;
  n2p_tests: Record<string, MultiSweTransition>;
  run_result: MultiSweResultCounts;
  test_patch_result: MultiSweResultCounts;
  fix_patch_result: MultiSweResultCounts;
}

/**
 * A run's results from a status map. Multi-SWE-bench keeps each test in one list only; a name our
 * parser saw more than once is already one entry of the map. XFAIL counts as a pass (the test
 * behaved as declared), ERROR as a failure.
 */
export function multiSweResult(statuses: ReadonlyMap<string, SweStatus>): MultiSweResultCounts {
  const passed: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  for (const [name, s] of statuses) {
    if (s === "PASSED" || s === "XFAIL") passed.push(name);
    else if (s === "FAILED" || s === "ERROR") failed.push(name);
    else skipped.push(name);
  }
  return withCounts({ passed_tests: passed, failed_tests: failed, skipped_tests: skipped });
}

function withCounts(r: MultiSweTestResult): MultiSweResultCounts {
  return {
    passed_count: r.passed_tests.length,
    failed_count: r.failed_tests.length,
    skipped_count: r.skipped_tests.length,
    ...r,
  };
}

/** Test name → status of one run; a name in several lists takes the last (as TestResult does). */
function statusesOf(r: MultiSweTestResult): Map<string, MultiSweStatus> {
  const m = new Map<string, MultiSweStatus>();
  for (const t of r.passed_tests) m.set(t, "PASS");
  for (const t of r.failed_tests) m.set(t, "FAIL");
  for (const t of r.skipped_tests) m.set(t, "SKIP");
  return m;
}

/** The transition groups the record lists, and the `test` status that defines each. */
const GROUPS = [
  ["p2p", "PASS"],
  ["f2p", "FAIL"],
  ["s2p", "SKIP"],
  ["n2p", "NONE"],
] as const;

export interface MultiSweGradeInput {
  org: string;
  repo: string;
  number: number;
  expected: MultiSweExpectation;
  /** The fix run here: the test patch and the prediction applied. */
  fix: MultiSweTestResult;
}

/** Grades one fix run against the record's official runs and listed transitions. */
export function gradeMultiSwe(input: MultiSweGradeInput): MultiSweReport {
  const { expected } = input;
  const run = statusesOf(expected.runResult);
  const test = statusesOf(expected.testPatchResult);
  const fix = statusesOf(input.fix);
  const tests = new Map<string, MultiSweTransition>();
  for (const name of new Set([...run.keys(), ...test.keys(), ...fix.keys()])) {
    tests.set(name, {
      run: run.get(name) ?? "NONE",
      test: test.get(name) ?? "NONE",
      fix: fix.get(name) ?? "NONE",
    });
  }
  const report: MultiSweReport = {
    org: input.org,
    repo: input.repo,
    number: input.number,
    resolved: false,
    valid: false,
    error_msg: "",
    fixed_tests: {},
    p2p_tests: {},
    f2p_tests: {},
    s2p_tests: {},
    n2p_tests: {},
    run_result: withCounts(expected.runResult),
    test_patch_result: withCounts(expected.testPatchResult),
    fix_patch_result: withCounts(input.fix),
  };
  const invalid = (msg: string) => ({ ...report, error_msg: msg });
  const counts = (r: MultiSweResultCounts) => `(${r.passed_count}, ${r.failed_count}, ${r.skipped_count})`;
  const short = `run=${counts(report.run_result)}, test=${counts(report.test_patch_result)}, fix=${counts(report.fix_patch_result)}`;
  const show = (t: MultiSweTransition) => `run=${t.run} test=${t.test} fix=${t.fix}`;

  // 1. The fix run produced results at all.
  if (fix.size === 0) return invalid(`There is no valid fix patch result: ${short}`);
  // 2. Nothing that passed with the test patch alone fails now.
  for (const [name, t] of tests)
    if (t.test === "PASS" && t.fix === "FAIL")
      return invalid(`Test passed in test patch but failed in fix patch: ${short}. \`${name}\`: ${show(t)}`);
  // 3. Something that did not pass with the test patch alone passes now.
  for (const [name, t] of tests) if (t.test !== "PASS" && t.fix === "PASS") report.fixed_tests[name] = t;
  if (Object.keys(report.fixed_tests).length === 0) return invalid(`No fix for failed test: ${short}`);
  // 4. A test that passed at the base, vanished or was skipped with the test patch, and fails now.
  for (const [name, t] of tests)
    if ((t.test === "NONE" || t.test === "SKIP") && t.fix === "FAIL" && t.run === "PASS")
      return invalid(`Anomalous pattern: ${short}. \`${name}\`: ${show(t)}`);
  for (const [name, t] of tests) {
    if (t.fix !== "PASS") continue;
    const group = GROUPS.find(([, from]) => from === t.test)?.[0];
    if (group) report[`${group}_tests`][name] = t;
  }
  // Every test the record lists makes its transition again.
  for (const [group] of GROUPS) {
    for (const name of expected[group]) {
      if (!(name in report[`${group}_tests`])) {
        const t = tests.get(name);
        return invalid(`Missing ${group} test: ${name}${t ? ` (${show(t)})` : " (not run)"}`);
      }
    }
  }
  return { ...report, valid: true, resolved: true };
}

/**
 * The listed tests in SWE-bench's `tests_status` shape, so summaries and report.html read both
 * suites alike: FAIL_TO_PASS holds f2p, s2p and n2p; PASS_TO_PASS holds p2p. A test succeeds when
 * the fix run passed it.
 */
export function multiSweTestsStatus(expected: MultiSweExpectation, fix: MultiSweTestResult): TestsStatus {
  const passed = new Set(fix.passed_tests);
  const split = (names: string[]) => ({
    success: names.filter((n) => passed.has(n)),
    failure: names.filter((n) => !passed.has(n)),
  });
  return {
    FAIL_TO_PASS: split([...new Set([...expected.f2p, ...expected.s2p, ...expected.n2p])]),
    PASS_TO_PASS: split(expected.p2p),
    FAIL_TO_FAIL: { success: [], failure: [] },
    PASS_TO_FAIL: { success: [], failure: [] },
  };
}

/**
 * For a gold run: the listed tests whose status here differs from the record's gold (`fix`)
 * status — the check that this environment reproduces the official one test by test.
 */
export function goldStatusDifferences(
  expected: MultiSweExpectation,
  fix: MultiSweTestResult,
): { test: string; expected: MultiSweStatus; here: MultiSweStatus }[] {
  const official = statusesOf(expected.fixPatchResult);
  const here = statusesOf(fix);
  const listed = new Set([...expected.f2p, ...expected.p2p, ...expected.s2p, ...expected.n2p]);
  const out: { test: string; expected: MultiSweStatus; here: MultiSweStatus }[] = [];
  for (const name of listed) {
    const e = official.get(name) ?? "PASS";
    const h = here.get(name) ?? "NONE";
    if (e !== h) out.push({ test: name, expected: e, here: h });
  }
  return out;
}
