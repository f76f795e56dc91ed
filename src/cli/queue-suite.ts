/**
 * `suite run --queue` and `suite eval --queue`: the same options as the local commands, turned
 * into the settings a job carries (no secrets: API keys stay on the workers), then the queue's
 * coordinator in place of the local runner. The summary and exit codes are the local ones.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseDuration, UsageError } from "../common/index.js";
import { evaluateOnQueue, parseQueueUrl, probeRedis, runSuiteOnQueue } from "../queue/index.js";
import type { EvalOptions, EvalResult, SuiteRunOptions, SuiteRunResult } from "../suite/index.js";

interface QueueFlags {
  queue?: string | undefined;
  detach: boolean;
  suiteId?: string | undefined;
  queueAttempts: number;
  queueBackoff: string;
}

function backoffMs(v: string): number {
  try {
    return parseDuration(v);
  } catch {
    throw new UsageError(`--queue-backoff: "${v}" is not a duration (examples: 5s, 30s, 2m)`);
  }
}

/** The prompt templates of `--prompts`, as text for the workers. */
function promptTexts(dir: string | undefined): Record<string, string> | undefined {
  if (!dir) return undefined;
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir))
    if (statSync(join(dir, name)).isFile()) out[name] = readFileSync(join(dir, name), "utf8");
  return out;
}

export async function runOnQueue(
  tasksPath: string,
  flags: QueueFlags & { model: string; sandbox: "auto" | "docker" | "local" },
  o: SuiteRunOptions,
): Promise<SuiteRunResult> {
  const url = parseQueueUrl(flags.queue!);
  await probeRedis(url, "suite run");
  const prompts = promptTexts(o.promptsDir);
  return runSuiteOnQueue({
    url,
    tasksPath,
    tasks: o.tasks,
    outDir: o.outDir,
    ...(o.redo !== undefined ? { redo: o.redo } : {}),
    ...(o.maxCostTotal !== undefined ? { maxCostTotal: o.maxCostTotal } : {}),
    modelName: o.modelName,
    log: o.log,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(flags.suiteId ? { suiteId: flags.suiteId } : {}),
    detach: flags.detach,
    attempts: flags.queueAttempts,
    backoffMs: backoffMs(flags.queueBackoff),
    settings: {
      model: flags.model,
      sandbox: flags.sandbox,
      image_template: o.imageTemplate ?? null,
      ...(o.baseImage ? { base_image: o.baseImage } : {}),
      budget: o.budget,
      command_timeout_ms: o.commandTimeoutMs,
      test_gate: o.testGate ?? true,
      gate: o.gate ?? {},
      with_hints: o.withHints ?? false,
      engine_wait_ms: o.engineWaitMs ?? 600_000,
      ...(prompts ? { prompts } : {}),
      ...(o.maxCostTotal !== undefined ? { max_cost_total: o.maxCostTotal } : {}),
    },
  });
}

export async function evaluateOnQueueCommand(
  tasksPath: string,
  flags: QueueFlags & { sandbox: "auto" | "docker" | "local"; gradeEmpty: boolean },
  o: EvalOptions,
): Promise<EvalResult> {
  const url = parseQueueUrl(flags.queue!);
  await probeRedis(url, "suite eval");
  return evaluateOnQueue({
    url,
    tasksPath,
    tasks: o.tasks,
    predictions: o.predictions,
    outDir: o.outDir,
    log: o.log,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onTaskStart ? { onTaskStart: o.onTaskStart } : {}),
    ...(o.onTaskDone ? { onTaskDone: o.onTaskDone } : {}),
    ...(flags.suiteId ? { suiteId: flags.suiteId } : {}),
    detach: flags.detach,
    attempts: flags.queueAttempts,
    backoffMs: backoffMs(flags.queueBackoff),
    settings: {
      // Each worker decides auto for its own machine.
      sandbox: flags.sandbox,
      timeout_ms: o.timeoutMs,
      image_template: o.imageTemplate ?? null,
      ...(o.baseImage ? { base_image: o.baseImage } : {}),
      grade_empty: flags.gradeEmpty,
    },
  });
}
