import { unittestLabel } from "./detect.js";
import type { TestCaseResult } from "./types.js";

export interface TestGroupOutcome {
  passed: string[];
  failed: string[];
  /** Named by the task but absent from the results: counts as failed. */
  missing: string[];
}

export interface TestEvaluation {
  resolved: boolean;
  failToPass: TestGroupOutcome;
  passToPass: TestGroupOutcome;
}

/**
 * Forms of one test id that should match each other: pytest node ids with or without `.py`,
 * `::` or `.` or `/` separators (JUnit XML's `tests.test_x.TestC.test_y` names), and unittest's
 * `test_x (mod.Class)` / `test_x (mod.Class.test_x)` / `mod.Class.test_x`.
 */
export function canonicalTestId(id: string): string {
  let s = id.trim().replace(/^\.\//, "");
  if (/^\w+ \([\w.]+\)$/.test(s)) s = unittestLabel(s);
  const bracket = s.indexOf("[");
  const head = bracket >= 0 ? s.slice(0, bracket) : s;
  const tail = bracket >= 0 ? s.slice(bracket) : "";
  return head.replace(/\.py(?=::|$)/, "").replace(/::|\//g, ".") + tail;
}

/**
 * Grades a run the way SWE-bench does: every FAIL_TO_PASS test must pass; every PASS_TO_PASS
 * test must pass or be skipped; a test that is not in the results counts as failed. (pytest's
 * xfail is already "passed" in the parsed results, as in SWE-bench.)
 */
export function evaluateTests(
  results: TestCaseResult[],
  failToPass: string[],
  passToPass: string[],
): TestEvaluation {
  const exact = new Map<string, TestCaseResult>();
  const canonical = new Map<string, TestCaseResult>();
  for (const r of results) {
    exact.set(r.name, r);
    const key = canonicalTestId(r.name);
    if (!canonical.has(key)) canonical.set(key, r);
  }
  const find = (id: string): TestCaseResult | undefined => {
    const direct = exact.get(id) ?? canonical.get(canonicalTestId(id));
    if (direct) return direct;
    // SWE-bench lists sometimes cut a parametrized id at its first space (`test_x[a`).
    if (id.includes("[") && !id.includes("]")) {
      const key = canonicalTestId(id);
      for (const [k, r] of canonical) if (k.startsWith(key)) return r;
    }
    return undefined;
  };
  const grade = (ids: string[], skippedOk: boolean): TestGroupOutcome => {
    const out: TestGroupOutcome = { passed: [], failed: [], missing: [] };
    for (const id of ids) {
      const r = find(id);
      if (!r) out.missing.push(id);
      else if (r.status === "passed" || (skippedOk && r.status === "skipped")) out.passed.push(id);
      else out.failed.push(id);
    }
    return out;
  };
  const f2p = grade(failToPass, false);
  const p2p = grade(passToPass, true);
  const resolved = f2p.failed.length + f2p.missing.length + p2p.failed.length + p2p.missing.length === 0;
  return { resolved, failToPass: f2p, passToPass: p2p };
}
