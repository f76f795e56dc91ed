/**
 * `run_tests`: runs the task's tests (all, or a selection) through the agent's `runTests`, keeps
 * the report for the test gate and the trajectory, and answers with src/testing's concise summary:
 * counts, then each failing test with a trimmed message; without per-test results, the bounded
 * output.
 */
import { z } from "zod";
import { DEFAULT_TEST_TIMEOUT_MS, summarizeTestReport, type TestSelection } from "../testing/index.js";
import { changedSinceLastSnapshot } from "./changes.js";
import type { Tool } from "./types.js";

const schema = z.object({
  tests: z
    .array(z.string().min(1).max(500))
    .max(200)
    .optional()
    .describe(
      "Test ids to run, in the framework's syntax (e.g. `tests/test_x.py::test_y`); omit to run the whole suite.",
    ),
  related_only: z
    .boolean()
    .optional()
    .describe("Run only the tests related to the files you changed, when supported."),
  timeout: z.number().positive().optional().describe("Timeout in seconds for the test run (capped at 3600)."),
});

/** What `run_tests` passes to `ctx.runTests`. */
export type RunTestsRequest = TestSelection;

export const runTestsTool: Tool<typeof schema> = {
  name: "run_tests",
  description:
    "Run the repository's tests (the whole suite, or the tests you name) and get a summary: the command, exit code, counts and each failing test with its message.",
  schema,
  async execute(input, ctx) {
    const request: RunTestsRequest = {};
    if (input.tests?.length) request.tests = input.tests;
    if (input.related_only !== undefined) request.relatedOnly = input.related_only;
    if (input.timeout !== undefined) request.timeoutMs = Math.round(Math.min(input.timeout, 3600) * 1000);
    // No test run outlives the run's wall-time budget.
    const left = ctx.timeLeftMs?.() ?? Number.POSITIVE_INFINITY;
    if (left < 1000) return { output: "not run: the run's time budget is spent", isError: true };
    if (Number.isFinite(left))
      request.timeoutMs = Math.min(request.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS, Math.floor(left));
    const report = await ctx.runTests(request);
    ctx.state.lastTestReport = report;
    // Test runs can write files (snapshots, generated code): keep the change tracking honest.
    const changedFiles = await changedSinceLastSnapshot(ctx).catch(() => []);
    return {
      output: summarizeTestReport(report, { maxChars: 8_000 }),
      isError: false,
      ...(changedFiles.length ? { changedFiles } : {}),
    };
  },
};
