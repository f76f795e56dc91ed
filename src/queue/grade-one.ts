/**
 * One prediction graded into a task folder the way `evaluatePredictions` (suite/eval.ts) grades
 * it — the same files: patch.log, test_output.txt, report.json, fixpoint-report.json, eval.log —
 * except that an infrastructure failure is not retried here: the queue retries the job, perhaps
 * on another machine.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, InfraError, UsageError, writeFileAtomic } from "../common/index.js";
import { createLogger } from "../log/index.js";
import {
  type EvalOptions,
  gradeTask,
  type Prediction,
  type TaskReport,
  taskDirName,
} from "../suite/index.js";
import type { SuiteTask } from "../task/index.js";

/** File names as suite/eval.ts writes them. */
const SWEBENCH_REPORT_FILE = "report.json";
const TASK_REPORT_FILE = "fixpoint-report.json";

export type GradeOptions = Omit<EvalOptions, "tasks" | "predictions" | "workers" | "log">;

export async function gradeOne(
  t: SuiteTask,
  p: Prediction,
  opts: GradeOptions,
  attempt: number,
): Promise<TaskReport> {
  const dir = join(opts.outDir, taskDirName(t.instanceId));
  await mkdir(dir, { recursive: true });
  await rm(join(dir, SWEBENCH_REPORT_FILE), { force: true });
  const log = createLogger({ file: join(dir, "eval.log"), pretty: false });
  let report: TaskReport;
  try {
    report = { ...(await gradeTask(t, p, dir, { ...opts, log }, log)), attempts: attempt };
  } catch (e) {
    const infra = e instanceof InfraError;
    log.error({ err: errorMessage(e), attempt }, "eval: grading failed");
    report = {
      instance_id: t.instanceId,
      repo: t.repoName,
      model_name_or_path: p.model_name_or_path,
      status: "error",
      resolved: false,
      reason: infra ? "infra" : e instanceof UsageError ? "bad_task" : "harness",
      error: errorMessage(e).split("\n")[0]!,
      timing_ms: { sandbox: 0, patch: 0, tests: 0, total: 0 },
      attempts: attempt,
    };
  }
  await writeFileAtomic(join(dir, TASK_REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
