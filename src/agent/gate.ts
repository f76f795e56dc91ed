/**
 * The test gate: when the model submits, the harness runs the task's tests itself — the tests the
 * task names as failing first, then the whole suite — and only a green run ends the run as
 * `submitted`. It also keeps the best patch seen (most tests passing, then smallest).
 */
import type { Task } from "../task/types.js";
import type { TestRunReport, TestSelection } from "../testing/index.js";

export interface GateOutcome {
  passed: boolean;
  /** The gate could not run any test (no command found); treated as a pass, with a note. */
  skipped: boolean;
  reports: TestRunReport[];
  /** Tests passing in the last report (parsed count, or 1/0 from the exit code). */
  passingCount: number;
}

type RunTests = (selection?: TestSelection) => Promise<TestRunReport>;

function reportPassed(r: TestRunReport): boolean {
  if (r.timedOut) return false;
  if (r.counts) return r.counts.failed === 0 && r.counts.error === 0 && r.exitCode === 0;
  return r.exitCode === 0;
}

function passingCount(r: TestRunReport): number {
  if (r.counts) return r.counts.passed;
  return r.exitCode === 0 ? 1 : 0;
}

/** True when the report says no test command could be found or run at all. */
export function noTestsFound(r: TestRunReport): boolean {
  return r.command === "";
}

export async function runTestGate(task: Task, runTests: RunTests): Promise<GateOutcome> {
  const reports: TestRunReport[] = [];
  const named = task.tests?.failToPass ?? [];
  if (named.length > 0) {
    const first = await runTests({ tests: named });
    reports.push(first);
    if (!noTestsFound(first) && !reportPassed(first)) {
      return { passed: false, skipped: false, reports, passingCount: passingCount(first) };
    }
  }
  const full = await runTests();
  reports.push(full);
  if (noTestsFound(full)) return { passed: true, skipped: true, reports, passingCount: 0 };
  return { passed: reportPassed(full), skipped: false, reports, passingCount: passingCount(full) };
}

export interface ScoredPatch {
  patch: string;
  passing: number;
}

/** Keeps the best patch: most tests passing, then the smallest. Empty patches never win. */
export class BestPatch {
  best: ScoredPatch | null = null;

  offer(candidate: ScoredPatch): void {
    if (!candidate.patch.trim()) return;
    const b = this.best;
    if (
      !b ||
      candidate.passing > b.passing ||
      (candidate.passing === b.passing && candidate.patch.length < b.patch.length)
    ) {
      this.best = candidate;
    }
  }
}
