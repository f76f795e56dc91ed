/**
 * `fixpoint worker`: takes jobs from the queue and runs them on this machine — a task through
 * `runSuiteTask` (the same folder as `suite run` writes), or a prediction through the grader —
 * and returns the folder, gzipped, with the status. Payloads are validated before anything runs;
 * one that does not parse fails its job at once (no retry) with the reason. Agent outcomes
 * (`submitted`, `exit_cost`, `exit_steps`, …) are results and never retried; infrastructure
 * failures throw, so BullMQ retries the job with backoff up to the job's attempts, and the last
 * attempt returns the failure as a result like `suite run` records it. Stopping hands back the
 * jobs still running after the grace period (back to waiting, no attempt used).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Job, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { errorMessage } from "../common/index.js";
import type { Logger } from "../log/index.js";
import {
  gradeIntoTaskDir,
  hasModelPlaceholders,
  renderModelSpec,
  runSuiteTask,
  type SuiteTaskOptions,
  taskDirName,
} from "../suite/index.js";
import { parseTaskRecord, type SuiteTask } from "../task/index.js";
import { connect, costKey, QUEUE_NAME } from "./connection.js";
import {
  type EvalJob,
  type EvalJobResult,
  packDir,
  parseJobData,
  type RunJob,
  type RunResult,
} from "./payload.js";

export interface QueueWorkerOptions {
  url: string;
  /** Shown by `suite status` as the holder of a task (default host:pid). */
  name: string;
  concurrency: number;
  mirror?: string;
  cacheDir: string;
  recipesDir?: string;
  baselineCacheDir?: string;
  /** Where task folders live while a job runs (removed after). */
  workDir: string;
  /** Makes the model a job's spec names, with this machine's API keys. */
  makeModel: (spec: string, t: SuiteTask) => ReturnType<SuiteTaskOptions["makeModel"]>;
  /** `auto` → docker or local on this machine. */
  resolveSandbox: (kind: "auto" | "docker" | "local") => Promise<"docker" | "local">;
  /** How long a job's lock lasts without renewal: a dead worker's job is taken again after it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  log: Logger;
  /** One line per job event, for the operator. */
  report?: (line: string) => void;
}

export interface QueueWorker {
  /** Stops taking jobs; running ones finish within `graceMs`, then are handed back. */
  stop(graceMs: number): Promise<void>;
}

type AnyResult = RunResult | EvalJobResult;

export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  await mkdir(opts.workDir, { recursive: true });
  const redis = connect(opts.url, `fixpoint-worker:${opts.name}`);
  const stopping = new AbortController();
  const say = (line: string) => opts.report?.(`worker ${opts.name}: ${line}`);

  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<AnyResult> => {
    let data: ReturnType<typeof parseJobData>;
    try {
      data = parseJobData(job.data);
      if (data.kind !== job.name)
        throw new Error(`job payload: kind "${data.kind}" but the job is named "${job.name}"`);
    } catch (e) {
      say(`refused job ${job.id}: ${errorMessage(e)}`);
      throw new UnrecoverableError(errorMessage(e));
    }
    let t: SuiteTask;
    try {
      t = parseTaskRecord(data.record, `job ${job.id}`, data.base_dir);
    } catch (e) {
      say(`refused job ${job.id}: ${errorMessage(e)}`);
      throw new UnrecoverableError(`job payload: record: ${errorMessage(e)}`);
    }
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    // The suite's total cost, counted by every worker: checked before a task starts, as `suite run` does.
    const cap = data.kind === "run" ? data.settings.max_cost_total : undefined;
    if (cap !== undefined && Number((await redis.get(costKey(data.suite))) ?? 0) >= cap) {
      say(`not started ${t.instanceId}: the suite's cost cap is reached`);
      const now = Date.now();
      return { kind: "run", not_started: true, worker: opts.name, started_at: now, finished_at: now };
    }
    // Stopping the worker or cancelling the job interrupts the task (AbortSignal.any needs Node 20.3).
    const ac = new AbortController();
    const forward = () => ac.abort();
    for (const sig of [stopping.signal, signal])
      if (sig?.aborted) ac.abort();
      else sig?.addEventListener("abort", forward, { once: true });
    const abort = ac.signal;
    const dir = await mkdtemp(join(opts.workDir, "job-"));
    const startedAt = Date.now();
    say(`start ${data.kind} ${t.instanceId} (job ${job.id}, attempt ${attempt})`);
    await job.updateProgress({ worker: opts.name, started_at: startedAt });
    try {
      const handBack = async () => {
        say(`hand back ${data.kind} ${t.instanceId} (job ${job.id})`);
        await job.moveToWait(token);
        throw new WaitingError();
      };
      if (data.kind === "run") {
        const r = await runJob(data, t, dir, abort, attempt, lastAttempt);
        if (r === "interrupted") return await handBack();
        if (!r.not_started) say(`end run ${t.instanceId}: ${r.status.exit_status ?? r.status.state}`);
        return r;
      }
      // A grading is not interrupted (its test run is bounded by the eval's --timeout): it finishes.
      const r = await evalJob(data, t, dir, attempt, lastAttempt);
      say(`end eval ${t.instanceId}: ${r.report.status}`);
      return r;
    } catch (e) {
      if (!(e instanceof WaitingError))
        say(`failed ${data.kind} ${t.instanceId} (job ${job.id}): ${errorMessage(e)}`);
      throw e;
    } finally {
      stopping.signal.removeEventListener("abort", forward);
      signal?.removeEventListener("abort", forward);
      await rm(dir, { recursive: true, force: true });
    }
  };

  const runJob = async (
    data: RunJob,
    t: SuiteTask,
    dir: string,
    signal: AbortSignal,
    attempt: number,
    lastAttempt: boolean,
  ): Promise<RunResult | "interrupted"> => {
    const s = data.settings;
    const started_at = Date.now();
    let promptsDir: string | undefined;
    if (s.prompts) {
      promptsDir = join(dir, "prompts");
      await mkdir(promptsDir, { recursive: true });
      for (const [name, text] of Object.entries(s.prompts)) await writeFile(join(promptsDir, name), text);
    }
    const outDir = join(dir, "out");
    try {
      const status = await runSuiteTask(t, {
        outDir,
        makeModel: (task) =>
          opts.makeModel(hasModelPlaceholders(s.model) ? renderModelSpec(s.model, task) : s.model, task),
        sandbox: s.sandbox,
        ...(opts.mirror ? { mirror: opts.mirror } : {}),
        cacheDir: opts.cacheDir,
        imageTemplate: s.image_template,
        ...(opts.recipesDir ? { recipesDir: opts.recipesDir } : {}),
        ...((s.base_image ?? process.env.FIXPOINT_BASE_IMAGE)
          ? { baseImage: s.base_image ?? process.env.FIXPOINT_BASE_IMAGE }
          : {}),
        budget: withoutUndefined(s.budget),
        commandTimeoutMs: s.command_timeout_ms,
        testGate: s.test_gate,
        gate: withoutUndefined(s.gate),
        ...(opts.baselineCacheDir ? { baselineCacheDir: opts.baselineCacheDir } : {}),
        withHints: s.with_hints,
        ...(promptsDir ? { promptsDir } : {}),
        log: opts.log,
        signal,
        // The queue retries infrastructure failures (perhaps on another machine), not this run.
        maxInfraAttempts: 1,
        engineWaitMs: s.engine_wait_ms,
      });
      if (s.max_cost_total !== undefined && status.cost_usd > 0)
        await redis.incrbyfloat(costKey(data.suite), status.cost_usd);
      if (status.state === "interrupted") return "interrupted";
      if (status.state === "error" && !status.final && !lastAttempt) {
        // Thrown, the job is retried with the backoff the coordinator set.
        throw new Error(`infrastructure failure (attempt ${attempt}): ${status.error ?? "unknown"}`);
      }
      return {
        kind: "run",
        not_started: false,
        worker: opts.name,
        started_at,
        finished_at: Date.now(),
        status: { ...status, attempts: attempt },
        files: await packDir(join(outDir, taskDirName(t.instanceId))),
      };
    } finally {
      if (promptsDir) await rm(promptsDir, { recursive: true, force: true });
    }
  };

  const evalJob = async (
    data: EvalJob,
    t: SuiteTask,
    dir: string,
    attempt: number,
    lastAttempt: boolean,
  ): Promise<EvalJobResult> => {
    const s = data.settings;
    const started_at = Date.now();
    // One attempt here: the queue retries an infrastructure failure, perhaps on another machine.
    const report = await gradeIntoTaskDir(
      t,
      data.prediction,
      {
        outDir: dir,
        sandbox: await opts.resolveSandbox(s.sandbox),
        ...(opts.mirror ? { mirror: opts.mirror } : {}),
        cacheDir: opts.cacheDir,
        timeoutMs: s.timeout_ms,
        imageTemplate: s.image_template,
        ...(opts.recipesDir ? { recipesDir: opts.recipesDir } : {}),
        ...((s.base_image ?? process.env.FIXPOINT_BASE_IMAGE)
          ? { baseImage: s.base_image ?? process.env.FIXPOINT_BASE_IMAGE }
          : {}),
        gradeEmpty: s.grade_empty,
      },
      { first: attempt, max: attempt },
    );
    if (report.reason === "infra" && !lastAttempt)
      throw new Error(`infrastructure failure (attempt ${attempt}): ${report.error ?? "unknown"}`);
    return {
      kind: "eval",
      worker: opts.name,
      started_at,
      finished_at: Date.now(),
      report: { ...report },
      files: await packDir(join(dir, taskDirName(t.instanceId))),
    };
  };

  const workerConn = connect(opts.url, `fixpoint-worker:${opts.name}:bullmq`);
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: workerConn,
    name: opts.name,
    concurrency: opts.concurrency,
    // A dead worker's job goes back to waiting after its lock expires; one that stalls twice fails.
    lockDuration: opts.lockDurationMs ?? 60_000,
    stalledInterval: opts.stalledIntervalMs ?? opts.lockDurationMs ?? 60_000,
    maxStalledCount: 2,
    autorun: true,
  });
  worker.on("error", (e) => opts.log.warn({ err: errorMessage(e) }, "worker: queue error"));
  await worker.waitUntilReady();
  say(`ready (concurrency ${opts.concurrency})`);

  return {
    stop: async (graceMs: number) => {
      say("stopping: no new jobs");
      const timer = setTimeout(() => {
        say("grace period over: handing back running jobs");
        stopping.abort(new Error("worker stopping"));
      }, graceMs);
      try {
        await worker.close();
      } finally {
        clearTimeout(timer);
        redis.disconnect();
        workerConn.disconnect();
      }
    },
  };
}

/** Drops the keys zod left undefined (exactOptionalPropertyTypes). */
function withoutUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
