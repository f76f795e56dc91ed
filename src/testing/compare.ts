/**
 * The test gate's rule as pure functions of test results: the tests at the base commit (the
 * baseline) against the same tests on the agent's code. Named tests (FAIL_TO_PASS) and the
 * agent's own tests must pass; a test that passed at baseline must not fail now; a failure
 * that already exists at baseline is pre-existing and never blocks. Suspected regressions are
 * confirmed by a second run of the same code on each side (`confirmSuspects`): one that flips
 * between two runs of the same code is flaky and does not block either.
 */
import { canonicalTestId } from "./evaluate.js";
import type { TestCaseResult, TestStatus } from "./types.js";

export interface CompareInput {
  /** The run on the agent's code. */
  current: TestCaseResult[];
  /** Status at the base commit, by test name (the same parser and root as `current`). */
  baseline: ReadonlyMap<string, TestStatus>;
  /** Tests the task names as failing (FAIL_TO_PASS): they must pass now. */
  named?: string[];
  /** Whether a test is the agent's own (added, or changed by its diff): it must pass. */
  isAgentTest?: (name: string) => boolean;
  /**
   * Whether a baseline test belongs to what ran now: a test that passed at baseline, was part
   * of this run and is no longer reported at all counts as a suspect ("missing"). Default: no
   * test is expected, so none can go missing.
   */
  ranNow?: (name: string) => boolean;
}

/** A test whose result looks worse than at baseline, before a rerun confirms it. */
export interface Suspect {
  name: string;
  /** `worse`: passed or skipped at baseline, fails now; `new`: not at baseline, fails now; `missing`: passed at baseline, not reported now. */
  kind: "worse" | "new" | "missing";
  before?: TestStatus;
  now?: TestStatus;
  message?: string;
}

export interface NamedOutcome {
  name: string;
  status: TestStatus | "missing";
  message?: string;
}

export interface Comparison {
  suspects: Suspect[];
  named: { passing: string[]; failing: NamedOutcome[] };
  /** The agent's own tests in this run, each with its result. */
  agentTests: TestCaseResult[];
  /** Failing at baseline and failing now: reported, never blocking. */
  preExisting: TestCaseResult[];
  /** Failing at baseline, passing now. */
  fixed: string[];
}

const failing = (s: TestStatus | undefined) => s === "failed" || s === "error";

/** `tests/test_x.py::TestC::test_y[1]` → `tests/test_x.py`; `test/a.test.js > suite > t` → `test/a.test.js`. */
export function testFileOf(name: string): string {
  const i = name.indexOf("::");
  if (i > 0) return name.slice(0, i);
  const j = name.indexOf(" > ");
  if (j > 0) return name.slice(0, j);
  return name;
}

export function compareWithBaseline(input: CompareInput): Comparison {
  const { current, baseline } = input;
  const isAgent = input.isAgentTest ?? (() => false);
  const out: Comparison = {
    suspects: [],
    named: { passing: [], failing: [] },
    agentTests: [],
    preExisting: [],
    fixed: [],
  };
  // Named tests are judged by their own rule (they must pass), not again below.
  const namedNames = new Set<string>();
  for (const id of input.named ?? []) {
    const hits = current.filter((r) => sameTest(r.name, id));
    for (const h of hits) namedNames.add(h.name);
    const bad = hits.find((h) => h.status !== "passed");
    if (!hits.length) out.named.failing.push({ name: id, status: "missing" });
    else if (bad) out.named.failing.push({ name: id, status: bad.status, ...msg(bad) });
    else out.named.passing.push(id);
  }

  const seen = new Set<string>();
  for (const r of current) {
    seen.add(r.name);
    if (namedNames.has(r.name)) continue;
    if (isAgent(r.name)) {
      out.agentTests.push(r);
      continue;
    }
    const before = baseline.get(r.name);
    if (failing(r.status)) {
      if (failing(before)) out.preExisting.push(r);
      else if (before === "passed" || before === "skipped") {
        out.suspects.push({ name: r.name, kind: "worse", before, now: r.status, ...msg(r) });
      } else if (failing(baseline.get(testFileOf(r.name)))) {
        // The whole file failed at baseline (a collection error): its tests were never passing.
        out.preExisting.push(r);
      } else out.suspects.push({ name: r.name, kind: "new", now: r.status, ...msg(r) });
    } else if (r.status === "passed" && failing(before)) out.fixed.push(r.name);
  }
  if (input.ranNow) {
    for (const [name, before] of baseline) {
      if (before !== "passed" || seen.has(name) || isAgent(name) || !input.ranNow(name)) continue;
      out.suspects.push({ name, kind: "missing", before });
    }
  }
  return out;
}

/** Whether a result's name is the test a task names (the same id in another form, or a cut parametrized id). */
export function sameTest(name: string, id: string): boolean {
  const a = canonicalTestId(name);
  const b = canonicalTestId(id);
  if (a === b) return true;
  // SWE-bench lists sometimes cut a parametrized id at its first space (`test_x[a`).
  return id.includes("[") && !id.includes("]") && a.startsWith(b);
}

function msg(r: TestCaseResult): { message?: string } {
  return r.message ? { message: r.message } : {};
}

export interface Confirmation {
  /** Suspects that failed again on the agent's code and did not flip at baseline. */
  regressions: Suspect[];
  /** Suspects whose result flipped between two runs of the same code. */
  flaky: Array<Suspect & { why: string }>;
  /**
   * Suspects the first baseline did not report (`new`) that fail at the base commit when run
   * again: failures of the base commit, not of the change (the first baseline was cut short).
   */
  preExisting: Suspect[];
}

/**
 * Second runs decide: a suspect that passes (or is skipped) when run again on the agent's code,
 * or that now fails when run again at the base commit, flipped between two runs of the same code
 * and is flaky. The rest are regressions. A test absent from a rerun's results stays a suspect.
 */
export function confirmSuspects(
  suspects: Suspect[],
  rerunCurrent: ReadonlyMap<string, TestStatus>,
  rerunBaseline: ReadonlyMap<string, TestStatus>,
): Confirmation {
  const out: Confirmation = { regressions: [], flaky: [], preExisting: [] };
  for (const s of suspects) {
    const again = rerunCurrent.get(s.name);
    const base = rerunBaseline.get(s.name);
    if (again === "passed" || (again === "skipped" && s.kind !== "missing")) {
      out.flaky.push({ ...s, why: `${s.now ?? "not reported"} then ${again} on the same code` });
    } else if (s.kind === "worse" && s.before === "passed" && failing(base)) {
      out.flaky.push({ ...s, why: `passed then ${base} at the base commit` });
    } else if (s.kind === "new" && failing(base)) {
      out.preExisting.push(s);
    } else out.regressions.push(s);
  }
  return out;
}
