/**
 * `suite eval`: grades predictions the way SWE-bench's harness does. Per task, a fresh sandbox at
 * the base commit; the model patch applied (git apply → 3-way → reject → patch --fuzz); the test
 * files the test patch touches restored and the test patch applied; the task's tests run and
 * parsed; resolved when every FAIL_TO_PASS test passes and every PASS_TO_PASS test passes or is
 * skipped. A run that shows no parsed result is an error, never a pass.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { errorMessage, InfraError, shellQuote, UsageError, writeFileAtomic } from "../common/index.js";
import { createLogger, type Logger } from "../log/index.js";
import { openSandbox, type Sandbox } from "../sandbox/index.js";
import type { SuiteTask } from "../task/index.js";
import { evaluateTests, runTests, type TestRunReport } from "../testing/index.js";
import { resolveEnvironment, type TaskEnvironmentPlan } from "./environment.js";
import { applyPatchInSandbox, applyTestPatchInSandbox, testDirectives } from "./patch.js";
import type { Prediction } from "./predictions.js";
import { resolveTaskRepo } from "./repos.js";
import { taskDirName, uniqueRunId } from "./util.js";

export type EvalStatus = "resolved" | "unresolved" | "empty_patch" | "patch_failed" | "error";

export interface TaskReport {
  instance_id: string;
  repo: string;
  model_name_or_path: string;
  status: EvalStatus;
  resolved: boolean;
  /** Why a task is not resolved: patch_failed, empty_patch, timeout, no_test_results, test_patch_failed, infra, … */
  reason?: string;
  error?: string;
  patch_applied_method?: string;
  environment?: { source: string; image?: string };
  test_command?: string;
  test_exit_code?: number;
  tests_status?: {
    FAIL_TO_PASS: { success: string[]; failure: string[] };
    PASS_TO_PASS: { success: string[]; failure: string[] };
  };
  counts?: TestRunReport["counts"];
  timing_ms: { sandbox: number; patch: number; tests: number; total: number };
  attempts: number;
}

export interface EvalOptions {
  tasks: SuiteTask[];
  predictions: Prediction[];
  outDir: string;
  workers: number;
  sandbox: "docker" | "local";
  mirror?: string;
  cacheDir: string;
  /** Time limit of one test run. */
  timeoutMs: number;
  imageTemplate?: string | null;
  recipesDir?: string;
  baseImage?: string;
  /**
   * Run the tests for empty patches too (the task's tests at the base commit plus the test
   * patch) instead of marking them empty_patch unseen: proves FAIL_TO_PASS really fails.
   */
  gradeEmpty?: boolean;
  log: Logger;
  signal?: AbortSignal;
  onTaskDone?: (r: TaskReport) => void;
  onTaskStart?: (id: string) => void;
}

export interface EvalResult {
  reports: TaskReport[];
  /** Prediction ids that name no task in the task file. */
  unknownPredictions: string[];
  /** Tasks left ungraded because the run was interrupted. */
  interrupted: string[];
}

function emptyTiming() {
  return { sandbox: 0, patch: 0, tests: 0, total: 0 };
}

/** Grades one prediction in a fresh sandbox. Infrastructure failures throw InfraError. */
export async function gradeTask(
  t: SuiteTask,
  p: Prediction,
  dir: string,
  opts: Omit<EvalOptions, "tasks" | "predictions" | "outDir" | "workers">,
  log: Logger,
): Promise<TaskReport> {
  const base = {
    instance_id: t.instanceId,
    repo: t.repoName,
    model_name_or_path: p.model_name_or_path,
    attempts: 1,
  };
  const t0 = Date.now();
  const empty = !p.model_patch.trim();
  if (empty && !opts.gradeEmpty) {
    return {
      ...base,
      status: "empty_patch",
      resolved: false,
      reason: "empty_patch",
      timing_ms: emptyTiming(),
    };
  }
  const timing = emptyTiming();
  const repoPath = await resolveTaskRepo(t, {
    ...(opts.mirror ? { mirror: opts.mirror } : {}),
    cacheDir: opts.cacheDir,
    log,
  });
  const env: TaskEnvironmentPlan = await resolveEnvironment(t, {
    repoPath,
    sandbox: opts.sandbox,
    ...(opts.imageTemplate !== undefined ? { imageTemplate: opts.imageTemplate } : {}),
    ...(opts.recipesDir ? { recipesDir: opts.recipesDir } : {}),
    ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
    log,
  });
  const envInfo = { source: env.source, ...(env.image ? { image: env.image } : {}) };
  const tSandbox = Date.now();
  let sb: Sandbox | null = null;
  try {
    sb = await openSandbox({
      kind: opts.sandbox,
      repoPath,
      baseCommit: t.baseCommit,
      log,
      commandTimeoutMs: opts.timeoutMs,
      runId: uniqueRunId(`eval-${t.instanceId}`),
      ...(env.image ? { image: env.image } : {}),
    });
    timing.sandbox = Date.now() - tSandbox;
    const tPatch = Date.now();
    const applied = empty
      ? { ok: true, method: "none (empty patch)", log: "empty patch: nothing applied\n" }
      : await applyPatchInSandbox(sb, p.model_patch, "model");
    await writeFile(join(dir, "patch.log"), applied.log);
    if (!applied.ok) {
      timing.patch = Date.now() - tPatch;
      timing.total = Date.now() - t0;
      return {
        ...base,
        status: "patch_failed",
        resolved: false,
        reason: "patch_failed",
        environment: envInfo,
        timing_ms: timing,
      };
    }
    if (t.testPatch.trim()) {
      const tp = await applyTestPatchInSandbox(sb, t.testPatch);
      await writeFile(join(dir, "patch.log"), `${applied.log}\n# test patch\n${tp.log}`);
      if (!tp.ok) {
        timing.total = Date.now() - t0;
        return {
          ...base,
          status: "error",
          resolved: false,
          reason: "test_patch_failed",
          patch_applied_method: applied.method!,
          environment: envInfo,
          timing_ms: timing,
        };
      }
    }
    timing.patch = Date.now() - tPatch;

    const directives = env.testSelection === "files" ? testDirectives(t.testPatch) : [];
    const ids = [...t.failToPass, ...t.passToPass];
    let report: TestRunReport;
    if (env.testCommand && directives.length) {
      report = await runTests(sb, {
        command: `${env.testCommand} ${directives.map(shellQuote).join(" ")}`,
        timeoutMs: opts.timeoutMs,
        ...(env.framework ? { framework: env.framework } : {}),
      });
    } else {
      report = await runTests(sb, {
        ...(env.testCommand ? { command: env.testCommand } : {}),
        ...(ids.length ? { tests: ids } : {}),
        timeoutMs: opts.timeoutMs,
        ...(env.framework ? { framework: env.framework } : {}),
      });
    }
    timing.tests = report.durationMs;
    timing.total = Date.now() - t0;
    await writeFile(
      join(dir, "test_output.txt"),
      `$ ${report.command}\n${report.output}\n[exit ${report.exitCode}${report.timedOut ? ", timed out" : ""}]\n`,
    );
    const common = {
      ...base,
      patch_applied_method: applied.method!,
      environment: envInfo,
      test_command: report.command,
      test_exit_code: report.exitCode,
      timing_ms: timing,
      ...(report.counts ? { counts: report.counts } : {}),
    };
    if (report.timedOut) return { ...common, status: "error", resolved: false, reason: "timeout" };
    if (!report.tests?.length) {
      // Nothing parsed: a crash, a collection error, a missing runner. Never a pass.
      return { ...common, status: "error", resolved: false, reason: "no_test_results" };
    }
    const ev = evaluateTests(report.tests, t.failToPass, t.passToPass);
    return {
      ...common,
      status: empty ? "empty_patch" : ev.resolved ? "resolved" : "unresolved",
      resolved: !empty && ev.resolved,
      ...(empty
        ? { reason: ev.resolved ? "empty_patch_tests_pass" : "empty_patch" }
        : ev.resolved
          ? {}
          : { reason: "tests_failed" }),
      tests_status: {
        FAIL_TO_PASS: {
          success: ev.failToPass.passed,
          failure: [...ev.failToPass.failed, ...ev.failToPass.missing],
        },
        PASS_TO_PASS: {
          success: ev.passToPass.passed,
          failure: [...ev.passToPass.failed, ...ev.passToPass.missing],
        },
      },
    };
  } finally {
    await sb?.close().catch((e) => log.warn({ err: errorMessage(e) }, "eval: sandbox close failed"));
  }
}

/** Grades every prediction that names a task, in parallel up to `workers`. */
export async function evaluatePredictions(opts: EvalOptions): Promise<EvalResult> {
  const byId = new Map(opts.tasks.map((t) => [t.instanceId, t]));
  const unknownPredictions = opts.predictions
    .filter((p) => !byId.has(p.instance_id))
    .map((p) => p.instance_id);
  const limit = pLimit(Math.max(1, opts.workers));
  const reports: TaskReport[] = [];
  const interrupted: string[] = [];
  await Promise.all(
    opts.predictions
      .filter((p) => byId.has(p.instance_id))
      .map((p) =>
        limit(async () => {
          const t = byId.get(p.instance_id)!;
          if (opts.signal?.aborted) {
            interrupted.push(t.instanceId);
            return;
          }
          opts.onTaskStart?.(t.instanceId);
          const dir = join(opts.outDir, taskDirName(t.instanceId));
          await mkdir(dir, { recursive: true });
          const log = createLogger({ file: join(dir, "eval.log"), pretty: false });
          let report: TaskReport | null = null;
          // An infrastructure failure (the engine restarting, a container killed) is retried once.
          for (let attempt = 1; attempt <= 2 && !report; attempt++) {
            try {
              report = { ...(await gradeTask(t, p, dir, opts, log)), attempts: attempt };
            } catch (e) {
              const infra = e instanceof InfraError;
              log.error({ err: errorMessage(e), attempt }, "eval: grading failed");
              if (infra && attempt === 1 && !opts.signal?.aborted) continue;
              report = {
                instance_id: t.instanceId,
                repo: t.repoName,
                model_name_or_path: p.model_name_or_path,
                status: "error",
                resolved: false,
                reason: infra ? "infra" : e instanceof UsageError ? "bad_task" : "harness",
                error: errorMessage(e).split("\n")[0]!,
                timing_ms: emptyTiming(),
                attempts: attempt,
              };
            }
          }
          await writeFileAtomic(join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
          reports.push(report!);
          opts.onTaskDone?.(report!);
        }),
      ),
  );
  return { reports, unknownPredictions, interrupted };
}
