/**
 * `suite run --queue`: the coordinator. Enqueues one job per task that has no final status in
 * `--out` yet and writes each task's folder and its predictions.jsonl line from the job's result
 * — the same files as the local runner writes — with the same progress and the same summary.
 * The cost cap is checked by the workers before each task (a counter in Redis) and here after
 * each result: once reached, the waiting jobs are removed and reported as not started.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Job } from "bullmq";
import { errorMessage, writeFileAtomic } from "../common/index.js";
import {
  PredictionWriter,
  type SuiteRunOptions,
  type SuiteRunResult,
  startSuite,
  suiteProgressReporter,
  type TaskStatusRecord,
  taskDirName,
} from "../suite/index.js";
import { connect, costKey, RECORDED_TTL_S, suiteIdFor } from "./connection.js";
import { driveJobs } from "./jobs.js";
import { parseResult, type RunJob, RunResultSchema, type RunSettings, unpackFiles } from "./payload.js";
import { readRawRecords } from "./records.js";

export interface QueueRunOptions
  extends Pick<
    SuiteRunOptions,
    "tasks" | "outDir" | "redo" | "maxCostTotal" | "modelName" | "log" | "signal" | "onProgress"
  > {
  url: string;
  tasksPath: string;
  settings: RunSettings;
  suiteId?: string;
  detach?: boolean;
  attempts?: number;
  backoffMs?: number;
  pollMs?: number;
}

export async function runSuiteOnQueue(o: QueueRunOptions): Promise<SuiteRunResult> {
  const { result, toRun } = await startSuite(o.tasks, o.outDir, o.redo);
  const suiteId = suiteIdFor(o.outDir, o.suiteId);
  const predictionsPath = result.predictionsPath;
  // A line of a task not final yet is from a coordinator that stopped between the line and
  // status.json: it is written again when the result is recorded.
  const writer = await PredictionWriter.open(predictionsPath, new Set(toRun.map((t) => t.instanceId)));
  const cap = o.maxCostTotal;
  const redis = cap !== undefined ? connect(o.url, `fixpoint-coordinator:${suiteId}:cost`) : null;
  // Every worker adds its tasks' cost to this counter and checks it before starting one.
  const counterSetAt = Date.now();
  // Expires a week after the last start of its coordinator (a detached suite leaves it behind).
  if (redis) await redis.set(costKey(suiteId), String(result.costUsd), "EX", RECORDED_TTL_S);

  let running = 0;
  const progress = suiteProgressReporter(result, () => running, o.onProgress);
  progress();
  if (cap !== undefined && result.costUsd >= cap) {
    result.notStarted.push(...toRun.map((t) => t.instanceId));
    redis?.disconnect();
    return result;
  }

  const raw = readRawRecords(o.tasksPath);
  const entries = toRun.map((t) => {
    const data: RunJob = {
      v: 1,
      kind: "run",
      suite: suiteId,
      instance_id: t.instanceId,
      record: raw.byId.get(t.instanceId) ?? {},
      base_dir: raw.baseDir,
      settings: o.settings,
    };
    return { instanceId: t.instanceId, data };
  });

  const record = async (
    id: string,
    status: TaskStatusRecord & { queue?: object },
    files?: Map<string, Buffer>,
  ) => {
    const dir = join(o.outDir, taskDirName(id));
    await mkdir(dir, { recursive: true });
    for (const [name, content] of files ?? []) {
      if (name === "status.json") continue;
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    result.costUsd += status.cost_usd;
    if (status.state === "error") {
      result.failed.push(id);
      if (!status.final) result.infraFailed.push(id);
    } else if (status.state === "interrupted") result.interrupted.push(id);
    else result.done.push(id);
    if (status.attempts > 1 && !result.retried.includes(id)) result.retried.push(id);
    if (status.final) {
      const patch = status.state === "done" ? (files?.get("patch.diff")?.toString("utf8") ?? "") : "";
      await writer.append({ instance_id: id, model_name_or_path: o.modelName, model_patch: patch });
    }
    // Last: a coordinator stopped before this line records the task again on its next start.
    await writeFileAtomic(join(dir, "status.json"), `${JSON.stringify(status, null, 2)}\n`);
    progress(id);
  };
  const queueTimes = (job: Job, worker?: string) => ({
    job_id: job.id,
    ...(worker ? { worker } : job.processedBy ? { worker: job.processedBy } : {}),
    enqueued_at: job.timestamp,
    ...(job.processedOn ? { started_at: job.processedOn } : {}),
    ...(job.finishedOn ? { finished_at: job.finishedOn } : {}),
    recorded_at: Date.now(),
  });

  try {
    const drive = await driveJobs({
      url: o.url,
      kind: "run",
      suiteId,
      entries,
      recorded: result.skipped,
      attempts: o.attempts ?? 3,
      backoffMs: o.backoffMs ?? 30_000,
      redo: o.redo ?? false,
      detach: o.detach ?? false,
      log: o.log,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.pollMs ? { pollMs: o.pollMs } : {}),
      collect: async (id, job) => {
        let r: ReturnType<typeof parseResult<typeof RunResultSchema>>;
        let files: Map<string, Buffer>;
        try {
          r = parseResult(RunResultSchema, job.returnvalue, `result of job ${job.id}`);
          files = r.not_started ? new Map() : unpackFiles(r.files);
        } catch (e) {
          o.log.error({ err: errorMessage(e) }, "queue: unreadable result");
          return record(
            id,
            errorStatus(id, `unreadable result: ${errorMessage(e)}`, job.attemptsMade + 1),
            undefined,
          );
        }
        if (r.not_started) {
          result.notStarted.push(id);
          progress(id);
          return;
        }
        const status: TaskStatusRecord & { queue?: object } = {
          ...(r.status as unknown as TaskStatusRecord),
          queue: queueTimes(job, r.worker),
        };
        // Finished before this coordinator reset the counter (it restarted): count it again.
        if (redis && (job.finishedOn ?? Date.now()) < counterSetAt && status.cost_usd > 0)
          await redis.incrbyfloat(costKey(suiteId), status.cost_usd);
        await record(id, status, files);
      },
      failed: async (id, reason, job) => {
        await record(id, { ...errorStatus(id, reason, job.attemptsMade), queue: queueTimes(job) });
      },
      capReached: () => cap !== undefined && result.costUsd >= cap,
      removed: (id, why) => {
        (why === "cap" ? result.notStarted : result.interrupted).push(id);
        progress(id);
      },
      onRunning: (n) => {
        running = n;
        progress();
      },
    });
    if (drive.queued.length) result.queued = drive.queued;
    else if (redis) await redis.del(costKey(suiteId));
  } finally {
    await writer.flush();
    redis?.disconnect();
  }
  return result;
}

/** status.json of a job that failed on the queue: an infrastructure failure, tried again next run. */
function errorStatus(id: string, error: string, attempts: number): TaskStatusRecord {
  return {
    instance_id: id,
    state: "error",
    final: false,
    cost_usd: 0,
    steps: 0,
    elapsed_ms: 0,
    attempts: Math.max(1, attempts),
    patch_lines: 0,
    error: error.split("\n")[0]!,
    finished_at: new Date().toISOString(),
  };
}
