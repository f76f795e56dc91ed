/**
 * `suite eval --queue`: grading on the workers. One job per prediction that names a task; each
 * result's folder is written under `--out` as `suite eval` writes it, and the reports returned
 * for the same summary and HTML report.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Job } from "bullmq";
import { errorMessage, writeFileAtomic } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type { EvalResult, Prediction, TaskReport } from "../suite/index.js";
import { taskDirName } from "../suite/index.js";
import type { SuiteTask } from "../task/index.js";
import { suiteIdFor } from "./connection.js";
import { driveJobs } from "./jobs.js";
import { type EvalJob, EvalResultSchema, type EvalSettings, parseResult, unpackFiles } from "./payload.js";
import { readRawRecords } from "./records.js";

export interface QueueEvalOptions {
  url: string;
  tasksPath: string;
  tasks: SuiteTask[];
  predictions: Prediction[];
  outDir: string;
  settings: EvalSettings;
  suiteId?: string;
  detach?: boolean;
  attempts?: number;
  backoffMs?: number;
  pollMs?: number;
  log: Logger;
  signal?: AbortSignal;
  onTaskStart?: (id: string) => void;
  onTaskDone?: (r: TaskReport) => void;
}

export async function evaluateOnQueue(o: QueueEvalOptions): Promise<EvalResult & { queued: string[] }> {
  await mkdir(o.outDir, { recursive: true });
  const suiteId = suiteIdFor(o.outDir, o.suiteId);
  const byId = new Map(o.tasks.map((t) => [t.instanceId, t]));
  const unknownPredictions = o.predictions.filter((p) => !byId.has(p.instance_id)).map((p) => p.instance_id);
  const raw = readRawRecords(o.tasksPath);
  const reports: TaskReport[] = [];
  const interrupted: string[] = [];
  const entries = o.predictions
    .filter((p) => byId.has(p.instance_id))
    .map((p) => {
      const data: EvalJob = {
        v: 1,
        kind: "eval",
        suite: suiteId,
        instance_id: p.instance_id,
        record: raw.byId.get(p.instance_id) ?? {},
        base_dir: raw.baseDir,
        prediction: {
          instance_id: p.instance_id,
          model_name_or_path: p.model_name_or_path,
          model_patch: p.model_patch,
        },
        settings: o.settings,
      };
      return { instanceId: p.instance_id, data };
    });
  const write = async (id: string, report: TaskReport, files: Map<string, Buffer>) => {
    const dir = join(o.outDir, taskDirName(id));
    await mkdir(dir, { recursive: true });
    for (const [name, content] of files) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    await writeFileAtomic(join(dir, "fixpoint-report.json"), `${JSON.stringify(report, null, 2)}\n`);
    reports.push(report);
    o.onTaskStart?.(id);
    o.onTaskDone?.(report);
  };
  const infraReport = (id: string, error: string, job: Job): TaskReport => {
    const t = byId.get(id)!;
    const p = o.predictions.find((x) => x.instance_id === id)!;
    return {
      instance_id: id,
      repo: t.repoName,
      model_name_or_path: p.model_name_or_path,
      status: "error",
      resolved: false,
      reason: "infra",
      error: error.split("\n")[0]!,
      timing_ms: { sandbox: 0, patch: 0, tests: 0, total: 0 },
      attempts: Math.max(1, job.attemptsMade),
    };
  };
  const drive = await driveJobs({
    url: o.url,
    kind: "eval",
    suiteId,
    entries,
    attempts: o.attempts ?? 3,
    backoffMs: o.backoffMs ?? 30_000,
    // A grade depends only on the prediction: each evaluation grades again.
    redo: true,
    detach: o.detach ?? false,
    log: o.log,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
    collect: async (id, job) => {
      try {
        const r = parseResult(EvalResultSchema, job.returnvalue, `result of job ${job.id}`);
        await write(id, r.report as unknown as TaskReport, unpackFiles(r.files));
      } catch (e) {
        await write(id, infraReport(id, `unreadable result: ${errorMessage(e)}`, job), new Map());
      }
    },
    failed: (id, reason, job) => write(id, infraReport(id, reason, job), new Map()),
    removed: (id) => interrupted.push(id),
  });
  return { reports, unknownPredictions, interrupted, queued: drive.queued };
}
