/**
 * `fixpoint suite run` and `fixpoint suite eval`: many SWE-bench-style tasks, resumably, then
 * graded. Exit codes (both commands): 130 interrupted; 3 some task failed on infrastructure
 * (after its one retry); 2 the task or predictions file had malformed records (skipped and listed
 * on stderr) or a task was unusable (its repository or commit missing); 1 `suite run` only: the
 * total cost cap left tasks unstarted; 0 otherwise — a suite's grade is in its summary, not in
 * the exit code.
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { z } from "zod";
import { describeZodError, parseDuration, UsageError, writeFileAtomic } from "../common/index.js";
import { createLogger, registerEnvSecrets } from "../log/index.js";
import { createModel } from "../model/index.js";
import { closeAllSandboxes, dockerAvailable } from "../sandbox/index.js";
import {
  evaluatePredictions,
  hasModelPlaceholders,
  loadPredictions,
  readRunFigures,
  renderHtmlReport,
  renderModelSpec,
  runSuite,
  type SuiteProgress,
  SWEBENCH_IMAGE_TEMPLATE,
  summarize,
} from "../suite/index.js";
import { type LoadedTasks, loadTaskFile, type SuiteTask, selectTasks } from "../task/index.js";

const Positive = (name: string) =>
  z.coerce.number({ error: `${name} must be a number` }).positive(`${name} must be > 0`);

/** `--queue` and its companions (queue-suite.ts runs them). */
const QueueFlags = {
  queue: z.string().optional(),
  detach: z.boolean().default(false),
  suiteId: z.string().optional(),
  queueAttempts: z.coerce.number().int().min(1, "--queue-attempts must be ≥ 1").max(20).default(3),
  queueBackoff: z.string().default("30s"),
};

const RunFlags = z.object({
  model: z.string({ error: "--model is required" }).min(1),
  out: z.string({ error: "--out is required" }).min(1),
  workers: z.coerce.number().int().min(1).max(64).default(1),
  instances: z.string().optional(),
  redo: z.boolean().default(false),
  maxCostTotal: Positive("--max-cost-total").optional(),
  mirror: z.string().optional(),
  sandbox: z.enum(["auto", "docker", "local"]).default("auto"),
  maxSteps: z.coerce.number().int().min(1).default(50),
  maxCost: Positive("--max-cost").default(3),
  maxTime: z.string().default("30m"),
  commandTimeout: z.string().default("120s"),
  cacheDir: z.string().optional(),
  imageTemplate: z.string().optional(),
  baseImage: z.string().optional(),
  recipes: z.string().optional(),
  modelName: z.string().optional(),
  testGate: z.boolean().default(true),
  gateScope: z.enum(["auto", "related", "full"]).default("auto"),
  gateHops: z.coerce
    .number()
    .int()
    .min(0, "--gate-hops must be ≥ 0")
    .max(6, "--gate-hops must be ≤ 6")
    .default(2),
  gateFullBudget: z.string().default("3m"),
  baselineCache: z.string().optional(),
  engineWait: z.string().default("10m"),
  withHints: z.boolean().default(false),
  prompts: z.string().optional(),
  json: z.boolean().default(false),
  ...QueueFlags,
});

const EvalFlags = z.object({
  tasks: z.string({ error: "--tasks is required" }).min(1),
  out: z.string({ error: "--out is required" }).min(1),
  workers: z.coerce.number().int().min(1).max(64).default(1),
  instances: z.string().optional(),
  mirror: z.string().optional(),
  sandbox: z.enum(["auto", "docker", "local"]).default("auto"),
  timeout: z.string().default("30m"),
  cacheDir: z.string().optional(),
  imageTemplate: z.string().optional(),
  baseImage: z.string().optional(),
  recipes: z.string().optional(),
  runs: z.string().optional(),
  gradeEmpty: z.boolean().default(false),
  json: z.boolean().default(false),
  ...QueueFlags,
});

function parseFlags<T extends z.ZodType>(schema: T, flags: unknown): z.infer<T> {
  const r = schema.safeParse(flags);
  if (!r.success) throw new UsageError(describeZodError("flags", r.error.issues).replace(/^flags: /, ""));
  return r.data;
}

function durationMs(flag: string, v: string): number {
  try {
    return parseDuration(v);
  } catch {
    throw new UsageError(`${flag}: "${v}" is not a duration (examples: 90s, 15m, 1h)`);
  }
}

function defaultCacheDir(): string {
  return process.env.FIXPOINT_CACHE_DIR ?? join(homedir(), ".cache", "fixpoint", "repos");
}

function imageTemplateOf(v: string | undefined): string | null {
  if (v === undefined) return SWEBENCH_IMAGE_TEMPLATE;
  return v === "none" || v === "" ? null : v;
}

function loadTasks(path: string, instances: string | undefined): { loaded: LoadedTasks; tasks: SuiteTask[] } {
  const loaded = loadTaskFile(path);
  for (const e of loaded.errors)
    process.stderr.write(`fixpoint: ${path}: ${e.where}: skipped: ${e.message}\n`);
  return { loaded, tasks: selectTasks(loaded.tasks, instances) };
}

/** SIGINT/SIGTERM: the first stops starting tasks and interrupts running ones; a second exits. */
function interruptible(): { signal: AbortSignal; interrupted: () => boolean; dispose: () => void } {
  const controller = new AbortController();
  let count = 0;
  const on = (sig: NodeJS.Signals) => {
    count++;
    controller.abort(new Error(`received ${sig}`));
    if (count > 1) {
      void closeAllSandboxes().finally(() => process.exit(130));
      return;
    }
    // Commands still running after a short grace end when their sandboxes are removed.
    setTimeout(() => void closeAllSandboxes(), 2000).unref();
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    signal: controller.signal,
    interrupted: () => count > 0,
    dispose: () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
  };
}

function progressBar(enabled: boolean, total: number, unit: string) {
  if (!enabled) return null;
  const bar = new cliProgress.SingleBar(
    {
      format: `  {bar} {value}/{total} ${unit} | running {running} | failed {failed} | {cost} | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { running: 0, failed: 0, cost: "$0.0000" });
  return bar;
}

export async function runSuiteCommand(tasksPath: string, rawFlags: Record<string, unknown>): Promise<number> {
  const flags = parseFlags(RunFlags, rawFlags);
  registerEnvSecrets();
  const { loaded, tasks } = loadTasks(tasksPath, flags.instances);
  if (flags.sandbox === "docker" && !flags.queue && !(await dockerAvailable())) {
    throw new UsageError("--sandbox docker: the Docker engine does not answer");
  }
  const outDir = resolve(flags.out);
  const log = createLogger({ file: join(outDir, "suite.log"), pretty: false });
  const templated = hasModelPlaceholders(flags.model);
  const modelName = flags.modelName ?? flags.model;
  // Fail on a bad spec before any task runs (a template is checked per task; with --queue the
  // workers make the model with their own keys).
  if (!templated && !flags.queue) await createModel(flags.model, {});
  const stop = interruptible();
  const tty = Boolean(process.stderr.isTTY) && !flags.json;
  const bar = progressBar(tty, tasks.length, "tasks");
  const onProgress = (p: SuiteProgress) =>
    bar?.update(p.done, { running: p.running, failed: p.failed, cost: `$${p.costUsd.toFixed(4)}` });
  let result: Awaited<ReturnType<typeof runSuite>>;
  try {
    const runOptions: Parameters<typeof runSuite>[0] = {
      tasks,
      outDir,
      workers: flags.workers,
      redo: flags.redo,
      ...(flags.maxCostTotal !== undefined ? { maxCostTotal: flags.maxCostTotal } : {}),
      modelName,
      makeModel: (t) => createModel(templated ? renderModelSpec(flags.model, t) : flags.model, {}),
      sandbox: flags.sandbox,
      ...(flags.mirror ? { mirror: resolve(flags.mirror) } : {}),
      cacheDir: flags.cacheDir ? resolve(flags.cacheDir) : defaultCacheDir(),
      imageTemplate: imageTemplateOf(flags.imageTemplate),
      ...(flags.recipes ? { recipesDir: resolve(flags.recipes) } : {}),
      ...((flags.baseImage ?? process.env.FIXPOINT_BASE_IMAGE)
        ? { baseImage: flags.baseImage ?? process.env.FIXPOINT_BASE_IMAGE }
        : {}),
      budget: {
        maxSteps: flags.maxSteps,
        maxCostUsd: flags.maxCost,
        maxTimeMs: durationMs("--max-time", flags.maxTime),
      },
      commandTimeoutMs: durationMs("--command-timeout", flags.commandTimeout),
      testGate: flags.testGate,
      gate: {
        scope: flags.gateScope,
        hops: flags.gateHops,
        fullBudgetMs: durationMs("--gate-full-budget", flags.gateFullBudget),
      },
      ...(flags.baselineCache ? { baselineCacheDir: resolve(flags.baselineCache) } : {}),
      withHints: flags.withHints,
      engineWaitMs: durationMs("--engine-wait", flags.engineWait),
      ...(flags.prompts ? { promptsDir: resolve(flags.prompts) } : {}),
      log,
      signal: stop.signal,
      onProgress,
    };
    result = flags.queue
      ? await (await import("./queue-suite.js")).runOnQueue(tasksPath, flags, runOptions)
      : await runSuite(runOptions);
  } finally {
    bar?.stop();
    stop.dispose();
  }
  const summary = {
    tasks_file: resolve(tasksPath),
    predictions: result.predictionsPath,
    total: result.total,
    ran: result.done.length + result.failed.length,
    done: result.done.length,
    skipped_already_done: result.skipped.length,
    failed: result.failed,
    interrupted: result.interrupted,
    not_started_cost_cap: result.notStarted,
    retried: result.retried,
    ...(result.queued ? { queued: result.queued } : {}),
    cost_usd: Number(result.costUsd.toFixed(6)),
    malformed_records: loaded.errors,
  };
  await writeFileAtomic(join(outDir, "run-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  if (flags.json) console.log(JSON.stringify(summary));
  else {
    console.log(
      `suite run: ${summary.done} done, ${summary.failed.length} failed, ${summary.skipped_already_done} already done, ` +
        `${summary.interrupted.length} interrupted, ${summary.not_started_cost_cap.length} not started (cost cap); ` +
        `$${summary.cost_usd.toFixed(4)}; predictions: ${summary.predictions}` +
        (result.queued ? `; ${result.queued.length} left queued for the workers (--detach)` : ""),
    );
  }
  if (stop.interrupted() || result.interrupted.length) return 130;
  if (result.infraFailed.length) return 3;
  if (result.failed.length || loaded.errors.length) return 2;
  if (result.notStarted.length) return 1;
  return 0;
}

export async function runEvalCommand(
  predictionsPath: string,
  rawFlags: Record<string, unknown>,
): Promise<number> {
  const flags = parseFlags(EvalFlags, rawFlags);
  const { loaded, tasks } = loadTasks(flags.tasks, flags.instances);
  const preds = loadPredictions(predictionsPath);
  for (const e of preds.errors)
    process.stderr.write(`fixpoint: ${predictionsPath}: ${e.where}: skipped: ${e.message}\n`);
  let kind: "docker" | "local" = flags.sandbox === "local" ? "local" : "docker";
  if (!flags.queue && !(await dockerAvailable()) && kind === "docker") {
    if (flags.sandbox === "docker")
      throw new UsageError("--sandbox docker: the Docker engine does not answer");
    kind = "local";
  }
  const outDir = resolve(flags.out);
  const log = createLogger({ file: join(outDir, "eval.log"), pretty: false });
  const wanted = new Set(tasks.map((t) => t.instanceId));
  const predictions = preds.predictions.filter((p) => wanted.has(p.instance_id) || !flags.instances);
  const stop = interruptible();
  const tty = Boolean(process.stderr.isTTY) && !flags.json;
  const bar = progressBar(tty, predictions.length, "graded");
  let done = 0;
  let failed = 0;
  let running = 0;
  let result: Awaited<ReturnType<typeof evaluatePredictions>>;
  try {
    const evalOptions: Parameters<typeof evaluatePredictions>[0] = {
      tasks,
      predictions,
      outDir,
      workers: flags.workers,
      sandbox: kind,
      ...(flags.mirror ? { mirror: resolve(flags.mirror) } : {}),
      cacheDir: flags.cacheDir ? resolve(flags.cacheDir) : defaultCacheDir(),
      timeoutMs: durationMs("--timeout", flags.timeout),
      imageTemplate: imageTemplateOf(flags.imageTemplate),
      ...(flags.recipes ? { recipesDir: resolve(flags.recipes) } : {}),
      ...((flags.baseImage ?? process.env.FIXPOINT_BASE_IMAGE)
        ? { baseImage: flags.baseImage ?? process.env.FIXPOINT_BASE_IMAGE }
        : {}),
      gradeEmpty: flags.gradeEmpty,
      log,
      signal: stop.signal,
      onTaskStart: () => {
        running++;
        bar?.update(done, { running, failed, cost: "" });
      },
      onTaskDone: (r) => {
        running--;
        done++;
        if (r.status === "error") failed++;
        bar?.update(done, { running, failed, cost: "" });
      },
    };
    result = flags.queue
      ? await (await import("./queue-suite.js")).evaluateOnQueueCommand(flags.tasks, flags, evalOptions)
      : await evaluatePredictions(evalOptions);
  } finally {
    bar?.stop();
    stop.dispose();
  }
  const submitted = predictions.filter((p) => wanted.has(p.instance_id)).map((p) => p.instance_id);
  const summary = summarize(
    tasks.map((t) => t.instanceId),
    submitted,
    result.reports,
    result.unknownPredictions,
    new Map(tasks.map((t) => [t.instanceId, t.repoName])),
  );
  const runsDir = flags.runs ? resolve(flags.runs) : dirname(resolve(predictionsPath));
  const figures = readRunFigures(runsDir, submitted);
  await writeFileAtomic(join(outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFileAtomic(join(outDir, "report.html"), renderHtmlReport(summary, result.reports, figures));
  if (flags.json) console.log(JSON.stringify(summary));
  else {
    console.log(
      `suite eval: ${summary.resolved_instances}/${summary.total_instances} resolved, ${summary.unresolved_instances} unresolved ` +
        `(${summary.patch_failed_instances} patch failed), ${summary.empty_patch_instances} empty, ${summary.error_instances} error; ` +
        `report: ${join(outDir, "report.html")}`,
    );
  }
  if (stop.interrupted() || result.interrupted.length) return 130;
  if (result.reports.some((r) => r.status === "error" && r.reason === "infra")) return 3;
  if (loaded.errors.length || preds.errors.length || result.reports.some((r) => r.reason === "bad_task"))
    return 2;
  return 0;
}
