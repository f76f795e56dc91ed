/**
 * `suite run`: every task in its own sandbox through `solveTask`, in parallel up to `workers`.
 * Per task a folder `<out>/<instance_id>/` with trajectory.json, run.log, patch.diff, result.json
 * and status.json; `<out>/predictions.jsonl` in SWE-bench's format. Resumable: a task whose
 * status.json records a final status is skipped unless `redo`. A total cost cap stops starting
 * new tasks. A task that fails on infrastructure (the Docker engine restarting, its container
 * gone, the model API after its own retries) is retried after the engine answers again — waiting
 * with backoff, a bounded number of times — and recorded as not final when it still fails, so a
 * rerun of the suite tries it again; an interrupted task is recorded as such and runs again next
 * time.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { type BudgetLimits, type GateSettings, type SolveOutcome, solveTask } from "../agent/index.js";
import { errorMessage, InfraError, writeFileAtomic } from "../common/index.js";
import { createLogger, type Logger } from "../log/index.js";
import type { Model } from "../model/index.js";
import { dockerAvailable, type Sandbox } from "../sandbox/index.js";
import type { SuiteTask } from "../task/index.js";
import { resolveEnvironment } from "./environment.js";
import { PredictionWriter } from "./predictions.js";
import { resolveTaskRepo } from "./repos.js";
import { taskDirName, uniqueRunId } from "./util.js";

export type TaskRunState = "done" | "error" | "interrupted";

/** What `status.json` holds for a task. */
export interface TaskStatusRecord {
  instance_id: string;
  state: TaskRunState;
  /** True when the task need not run again (the agent reached an exit status, or the task is bad). */
  final: boolean;
  exit_status?: string;
  cost_usd: number;
  steps: number;
  elapsed_ms: number;
  attempts: number;
  patch_lines: number;
  environment?: { source: string; image?: string };
  error?: string;
  finished_at: string;
}

export interface SuiteProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  skipped: number;
  costUsd: number;
  lastId?: string;
}

export interface SuiteRunOptions {
  tasks: SuiteTask[];
  outDir: string;
  workers: number;
  redo?: boolean;
  maxCostTotal?: number;
  /** `model_name_or_path` written to predictions. */
  modelName: string;
  /** Makes the model for one task (per-task scripts, fresh state). */
  makeModel: (t: SuiteTask) => Promise<Model>;
  sandbox: "auto" | "docker" | "local";
  mirror?: string;
  cacheDir: string;
  imageTemplate?: string | null;
  recipesDir?: string;
  baseImage?: string;
  budget: BudgetLimits;
  commandTimeoutMs: number;
  testGate?: boolean;
  gate?: Partial<GateSettings>;
  /** Where baselines are cached (default ~/.cache/fixpoint/baselines). */
  baselineCacheDir?: string;
  /** Show the task's hints_text to the agent (SWE-bench's standard setting does not). */
  withHints?: boolean;
  promptsDir?: string;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (p: SuiteProgress) => void;
  /** Called with each task's sandbox as soon as it exists (tests use it to inject faults). */
  onSandbox?: (t: SuiteTask, sb: Sandbox) => void;
  /** Attempts of a task that fails on infrastructure (default 3). */
  maxInfraAttempts?: number;
  /** How long a retry waits for the Docker engine to answer again (default 10 minutes). */
  engineWaitMs?: number;
}

export interface SuiteRunResult {
  total: number;
  /** Skipped because a final status was already recorded. */
  skipped: string[];
  done: string[];
  /** Ended in an error: a bad task (final) or an infrastructure failure after its retry. */
  failed: string[];
  /** The subset of `failed` that failed on infrastructure (not final: a rerun tries again). */
  infraFailed: string[];
  interrupted: string[];
  /** Not started because the total cost cap was reached. */
  notStarted: string[];
  /** Tasks that needed an infrastructure retry. */
  retried: string[];
  /** `suite run --queue --detach`: left queued for the workers. */
  queued?: string[];
  costUsd: number;
  predictionsPath: string;
}

export function readStatus(dir: string): TaskStatusRecord | null {
  const p = join(dir, "status.json");
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, "utf8")) as TaskStatusRecord;
  } catch {
    return null;
  }
}

/** Errors of a connection to the Docker engine (or another service) that broke or was refused. */
const CONNECTION_ERROR =
  /\b(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket hang up)\b|connect ENOENT/;

/**
 * Infrastructure failures are worth a retry; mistakes in the task are not. Whatever the error
 * says, a Docker engine that does not answer right now makes it an infrastructure failure (an
 * image build cut by an engine restart fails with a bare "read ECONNRESET").
 */
async function isInfra(e: unknown, kind: "docker" | "local"): Promise<boolean> {
  if (e instanceof InfraError || (e as { exitCode?: number })?.exitCode === 3) return true;
  if (CONNECTION_ERROR.test(errorMessage(e)) || CONNECTION_ERROR.test(String((e as { code?: string })?.code)))
    return true;
  return kind === "docker" && !(await dockerAvailable(5000));
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Before an infrastructure retry: waits until the Docker engine answers (backoff 1 s, 2 s, 4 s …
 * up to 30 s a step, `maxWaitMs` in all). False when it did not come back, or on interruption.
 */
export async function waitForEngine(
  kind: "docker" | "local",
  maxWaitMs: number,
  log: Logger,
  signal?: AbortSignal,
): Promise<boolean> {
  if (kind === "local") return true;
  const deadline = Date.now() + maxWaitMs;
  let delay = 1000;
  for (;;) {
    if (signal?.aborted) return false;
    if (await dockerAvailable(5000)) return true;
    if (Date.now() >= deadline) return false;
    log.warn({ retryInMs: delay }, "suite: the Docker engine does not answer; waiting before the retry");
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
    delay = Math.min(delay * 2, 30_000);
  }
}

/**
 * A suite's start in `outDir` (created): its result so far — tasks with a final status are
 * skipped, their cost counted, unless `redo` — and the tasks left to run. The local runner and
 * the queue's coordinator both begin here.
 */
export async function startSuite(
  tasks: SuiteTask[],
  outDir: string,
  redo: boolean | undefined,
): Promise<{ result: SuiteRunResult; toRun: SuiteTask[] }> {
  await mkdir(outDir, { recursive: true });
  const toRun: SuiteTask[] = [];
  const result: SuiteRunResult = {
    total: tasks.length,
    skipped: [],
    done: [],
    failed: [],
    infraFailed: [],
    interrupted: [],
    notStarted: [],
    retried: [],
    costUsd: 0,
    predictionsPath: join(outDir, "predictions.jsonl"),
  };
  for (const t of tasks) {
    const st = readStatus(join(outDir, taskDirName(t.instanceId)));
    if (st?.final && !redo) {
      result.skipped.push(t.instanceId);
      result.costUsd += st.cost_usd;
    } else toRun.push(t);
  }
  return { result, toRun };
}

/** Reports a suite's progress from its result and how many tasks are running now. */
export function suiteProgressReporter(
  result: SuiteRunResult,
  running: () => number,
  onProgress: ((p: SuiteProgress) => void) | undefined,
): (lastId?: string) => void {
  return (lastId) =>
    onProgress?.({
      total: result.total,
      done: result.skipped.length + result.done.length,
      running: running(),
      failed: result.failed.length,
      skipped: result.skipped.length,
      costUsd: result.costUsd,
      ...(lastId ? { lastId } : {}),
    });
}

export async function runSuite(opts: SuiteRunOptions): Promise<SuiteRunResult> {
  const { result, toRun } = await startSuite(opts.tasks, opts.outDir, opts.redo);
  const predictionsPath = result.predictionsPath;
  const writer = await PredictionWriter.open(
    predictionsPath,
    opts.redo ? new Set(toRun.map((t) => t.instanceId)) : new Set(),
  );
  let kind: "docker" | "local" = opts.sandbox === "local" ? "local" : "docker";
  if (opts.sandbox === "auto" && !(await dockerAvailable())) kind = "local";

  let running = 0;
  const progress = suiteProgressReporter(result, () => running, opts.onProgress);
  progress();

  const limit = pLimit(Math.max(1, opts.workers));
  await Promise.all(
    toRun.map((t) =>
      limit(async () => {
        if (opts.signal?.aborted) {
          result.interrupted.push(t.instanceId);
          return;
        }
        if (opts.maxCostTotal !== undefined && result.costUsd >= opts.maxCostTotal) {
          result.notStarted.push(t.instanceId);
          return;
        }
        running++;
        progress(t.instanceId);
        try {
          const rec = await runOne(t, kind, opts, result);
          result.costUsd += rec.cost_usd;
          if (rec.state === "interrupted") result.interrupted.push(t.instanceId);
          else if (rec.state === "error") {
            result.failed.push(t.instanceId);
            if (!rec.final) result.infraFailed.push(t.instanceId);
          } else result.done.push(t.instanceId);
          if (rec.final) {
            const patch = rec.state === "done" ? readPatch(join(opts.outDir, taskDirName(t.instanceId))) : "";
            await writer.append({
              instance_id: t.instanceId,
              model_name_or_path: opts.modelName,
              model_patch: patch,
            });
          }
        } finally {
          running--;
          progress(t.instanceId);
        }
      }),
    ),
  );
  await writer.flush();
  return result;
}

/** What one task needs of the suite's options (the queue's workers run tasks one by one). */
export type SuiteTaskOptions = Omit<
  SuiteRunOptions,
  "tasks" | "workers" | "redo" | "maxCostTotal" | "modelName" | "onProgress"
>;

/**
 * Runs one task into `<outDir>/<instance_id>/` exactly as `runSuite` does (the same folder and
 * status.json), for the queue's workers; `maxInfraAttempts` bounds its own infrastructure retries.
 */
export async function runSuiteTask(t: SuiteTask, opts: SuiteTaskOptions): Promise<TaskStatusRecord> {
  let kind: "docker" | "local" = opts.sandbox === "local" ? "local" : "docker";
  if (opts.sandbox === "auto" && !(await dockerAvailable())) kind = "local";
  await mkdir(opts.outDir, { recursive: true });
  return runOne(t, kind, opts, { retried: [] });
}

function readPatch(dir: string): string {
  const p = join(dir, "patch.diff");
  return existsSync(p) ? readFileSync(p, "utf8") : "";
}

async function runOne(
  t: SuiteTask,
  kind: "docker" | "local",
  opts: SuiteTaskOptions,
  result: Pick<SuiteRunResult, "retried">,
): Promise<TaskStatusRecord> {
  const dir = join(opts.outDir, taskDirName(t.instanceId));
  await mkdir(dir, { recursive: true });
  const log = createLogger({ file: join(dir, "run.log"), pretty: false });
  const record = async (r: Omit<TaskStatusRecord, "instance_id" | "finished_at">) => {
    const full: TaskStatusRecord = { instance_id: t.instanceId, ...r, finished_at: new Date().toISOString() };
    await writeFileAtomic(join(dir, "status.json"), `${JSON.stringify(full, null, 2)}\n`);
    return full;
  };
  let cost = 0;
  const maxAttempts = Math.max(1, opts.maxInfraAttempts ?? 3);
  let attempt = 1;
  /** Whether to run the task again after an infrastructure failure (the engine answering again). */
  const retryAfterInfra = async (why: string | undefined): Promise<boolean> => {
    if (attempt >= maxAttempts || opts.signal?.aborted) return false;
    log.warn({ error: why, attempt }, "suite: infrastructure failure; retrying once the engine answers");
    if (!(await waitForEngine(kind, opts.engineWaitMs ?? 10 * 60_000, log, opts.signal))) return false;
    if (!result.retried.includes(t.instanceId)) result.retried.push(t.instanceId);
    attempt++;
    return true;
  };
  for (;;) {
    let env: { source: string; image?: string } | undefined;
    try {
      const repoPath = await resolveTaskRepo(t, {
        ...(opts.mirror ? { mirror: opts.mirror } : {}),
        cacheDir: opts.cacheDir,
        log,
      });
      const plan = await resolveEnvironment(t, {
        repoPath,
        sandbox: kind,
        ...(opts.imageTemplate !== undefined ? { imageTemplate: opts.imageTemplate } : {}),
        ...(opts.recipesDir ? { recipesDir: opts.recipesDir } : {}),
        ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
        log,
      });
      env = { source: plan.source, ...(plan.image ? { image: plan.image } : {}) };
      const model = await opts.makeModel(t);
      const runId = uniqueRunId(t.instanceId);
      const watch = kind === "docker" ? await watchContainer(runId, log) : null;
      let outcome: SolveOutcome;
      try {
        outcome = await solveTask({
          runId,
          task: agentTask(t, { withHints: opts.withHints ?? false }),
          repoPath,
          model,
          sandbox: kind,
          ...(plan.image ? { docker: { image: plan.image } } : {}),
          runDir: dir,
          budget: opts.budget,
          ...(plan.testCommand ? { testCommand: plan.testCommand } : {}),
          testGate: opts.testGate ?? true,
          ...(opts.gate ? { gate: opts.gate } : {}),
          ...(plan.framework ? { testFramework: plan.framework } : {}),
          // One baseline per repository, base commit and environment, shared by the suite's tasks.
          baselineCache: {
            repo: t.repoName,
            ...(opts.baselineCacheDir ? { dir: opts.baselineCacheDir } : {}),
          },
          ...(opts.promptsDir ? { promptsDir: opts.promptsDir } : {}),
          commandTimeoutMs: opts.commandTimeoutMs,
          log,
          ...(opts.signal ? { signal: opts.signal } : {}),
          onSandbox: (sb) => opts.onSandbox?.(t, sb),
          onEvent: (ev) => {
            if (ev.type === "done") watch?.finished();
          },
          config: { suite: true, instance_id: t.instanceId, environment: env },
        });
      } finally {
        watch?.finished();
        watch?.stop();
      }
      cost += outcome.costUsd;
      const base = {
        exit_status: outcome.status,
        cost_usd: cost,
        steps: outcome.steps,
        elapsed_ms: outcome.elapsedMs,
        attempts: attempt,
        patch_lines: outcome.patch ? outcome.patch.split("\n").length : 0,
        environment: env,
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      if (outcome.status === "exit_interrupted" || opts.signal?.aborted) {
        return record({ ...base, state: "interrupted", final: false });
      }
      // The sandbox died under the run (engine restart, container removed): an infrastructure
      // failure even when the loop itself ended normally.
      const infra = outcome.infrastructure === true || outcome.errorExitCode === 3 || watch?.lost() === true;
      if (infra) {
        if (await retryAfterInfra(outcome.error)) continue;
        return record({ ...base, state: "error", final: false });
      }
      return record({ ...base, state: "done", final: true });
    } catch (e) {
      const infra = await isInfra(e, kind);
      log.error({ err: errorMessage(e), attempt }, "suite: task failed");
      if (opts.signal?.aborted) {
        return record({
          state: "interrupted",
          final: false,
          cost_usd: cost,
          steps: 0,
          elapsed_ms: 0,
          attempts: attempt,
          patch_lines: 0,
          error: errorMessage(e),
        });
      }
      if (infra && (await retryAfterInfra(errorMessage(e)))) continue;
      return record({
        state: "error",
        // A bad task (missing commit, bad recipe) will not get better by running again.
        final: !infra,
        cost_usd: cost,
        steps: 0,
        elapsed_ms: 0,
        attempts: attempt,
        patch_lines: 0,
        ...(env ? { environment: env } : {}),
        error: errorMessage(e).split("\n")[0]!,
      });
    }
  }
}

/**
 * The task as the agent sees it. When the task's tests come with a test patch (SWE-bench and
 * the like), they are not in the checkout and their names are part of the benchmark's answer:
 * the agent is not told them (nor does its test gate run them). Tasks whose tests are already
 * in the repository (the fixture suite) keep them.
 */
export function agentTask(t: SuiteTask, opts: { withHints?: boolean } = {}): SuiteTask["task"] {
  // SWE-bench's standard setting leaves hints_text out; `withHints` puts it in.
  const { hints: _hints, tests: _tests, ...rest } = t.task;
  return {
    ...rest,
    ...(opts.withHints && t.task.hints ? { hints: t.task.hints } : {}),
    ...(!t.testPatch.trim() && t.task.tests ? { tests: t.task.tests } : {}),
  };
}

/**
 * Watches Docker for the death of a run's container before the agent finished (an engine
 * restart, a container killed from outside): the run's result cannot be trusted then, even
 * when the loop itself ended normally, because every command after the death failed.
 */
async function watchContainer(
  runId: string,
  log: Logger,
): Promise<{ lost(): boolean; finished(): void; stop(): void }> {
  let finished = false;
  let lost = false;
  let stream: NodeJS.ReadableStream | null = null;
  try {
    const { default: Docker } = await import("dockerode");
    stream = (await new Docker().getEvents({
      filters: { type: ["container"], event: ["die", "destroy"], label: [`fixpoint.run=${runId}`] },
    })) as NodeJS.ReadableStream;
    stream.on("data", () => {
      if (!finished) lost = true;
    });
    // The engine going away ends the stream: as much a loss as a dead container.
    stream.on("end", () => {
      if (!finished) lost = true;
    });
    stream.on("error", () => {
      if (!finished) lost = true;
    });
  } catch (e) {
    log.warn({ err: errorMessage(e) }, "suite: cannot watch Docker events");
  }
  return {
    lost: () => lost,
    finished: () => {
      finished = true;
    },
    stop: () => (stream as unknown as { destroy?: () => void } | null)?.destroy?.(),
  };
}
