/** Test runs and their results, as the `run_tests` tool and the test gate see them. */

export type TestStatus = "passed" | "failed" | "skipped" | "error";

export interface TestCaseResult {
  name: string;
  status: TestStatus;
  durationMs?: number;
  message?: string;
}

export interface TestRunReport {
  command: string;
  exitCode: number;
  timedOut: boolean;
  durationMs: number;
  /** Combined stdout+stderr, unbounded (bound it before showing it to the model). */
  output: string;
  /** Framework whose parser read the output, when one did. */
  framework?: string;
  /** Per-test results when a parser understood the output; undefined otherwise. */
  tests?: TestCaseResult[];
  counts?: { passed: number; failed: number; skipped: number; error: number };
  /** Remarks for the reader, shown with the summary (e.g. which failures exist at the base commit). */
  notes?: string[];
}

export interface TestSelection {
  /** Specific test ids (framework syntax, e.g. `tests/test_x.py::test_y`); empty = whole suite. */
  tests?: string[];
  /** Run only the test files related to the files changed so far (falls back to the whole suite). */
  relatedOnly?: boolean;
  timeoutMs?: number;
}
