/**
 * The `solve` use case: one task, one sandbox, one agent run. Opens the sandbox at the task's
 * base commit, wires the tools, the tests and (when enabled) the code graph, runs the loop, writes
 * `patch.diff` and `result.json` beside the trajectory, and always closes the sandbox.
 */
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { errorMessage, FixpointError, fixpointCacheDir, writeFileAtomic } from "../common/index.js";
import { testsReaching, testsReachingLocations } from "../graph/index.js";
import type { Logger } from "../log/index.js";
import type { Model } from "../model/index.js";
import { openSandbox, type Sandbox } from "../sandbox/index.js";
import type { Task } from "../task/index.js";
import {
  isTestFile,
  relatedTests,
  resolveTestCommand,
  runTests,
  type TestPlan,
  type TestRunReport,
  type TestSelection,
  testingCodeVersion,
} from "../testing/index.js";
import { createDefaultTools, ToolRegistry } from "../tools/index.js";
import { Baseline } from "./baseline.js";
import type { BudgetLimits } from "./budget.js";
import { type GateScope, TestGate } from "./gate.js";
import { openRunGraph, type RunGraph } from "./graph-session.js";
import { type AgentEvent, type RunResult, runAgent } from "./loop.js";
import { PromptRenderer } from "./prompts.js";

export interface SolveOptions {
  runId: string;
  task: Task;
  /** Local path of the repository the sandbox is made from (a clone for URL tasks). */
  repoPath: string;
  model: Model;
  sandbox: "auto" | "docker" | "local";
  docker?: {
    image?: string;
    network?: boolean;
    memory?: string;
    cpus?: number;
    pids?: number;
    user?: string;
  };
  /** Folder for this run's files: trajectory.json, run.log, patch.diff, result.json. */
  runDir: string;
  budget: BudgetLimits;
  testCommand?: string;
  /** The test framework's name when the command alone does not say (recipes). */
  testFramework?: string;
  testGate: boolean;
  /** How the gate chooses tests (default: auto, 2 hops, the whole suite when it fits 3 minutes). */
  gate?: Partial<GateSettings>;
  /**
   * The baseline cache: its folder (default `~/.cache/fixpoint/baselines`, `false` for none) and
   * the repository's name in its key (default the repository's real path).
   */
  baselineCache?: { dir?: string | false; repo?: string };
  promptsDir?: string;
  commandTimeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
  onEvent?: (event: AgentEvent) => void;
  /** Called once the sandbox exists (the CLI registers it for signal cleanup). */
  onSandbox?: (sandbox: Sandbox) => void;
  /** Build the code graph: graph tools, localization in the prompt, syntax guard (default true). */
  graph?: boolean;
  config?: Record<string, unknown>;
}

export interface GateSettings {
  scope: GateScope;
  hops: number;
  /** The whole suite runs at the gate (scope auto) when its baseline run takes at most this. */
  fullBudgetMs: number;
}

export const GATE_DEFAULTS: GateSettings = { scope: "auto", hops: 2, fullBudgetMs: 3 * 60_000 };

export interface SolveOutcome extends RunResult {
  runDir: string;
  patchPath: string;
  resultPath: string;
  sandboxKind: Sandbox["kind"];
}

export async function solveTask(opts: SolveOptions): Promise<SolveOutcome> {
  const prompts = new PromptRenderer(opts.promptsDir);
  const sandbox = await openSandbox({
    kind: opts.sandbox,
    repoPath: opts.repoPath,
    baseCommit: opts.task.baseCommit,
    log: opts.log,
    commandTimeoutMs: opts.commandTimeoutMs,
    runId: opts.runId,
    ...(opts.docker ?? {}),
  });
  opts.onSandbox?.(sandbox);
  const patchPath = join(opts.runDir, "patch.diff");
  const resultPath = join(opts.runDir, "result.json");
  const trajectoryPath = join(opts.runDir, "trajectory.json");
  let graph: RunGraph | null = null;
  try {
    const testCommand = opts.testCommand ?? opts.task.tests?.command ?? opts.task.environment?.testCommand;
    const plan = await resolveTestCommand(sandbox, {
      ...(testCommand ? { command: testCommand } : {}),
      ...(opts.testFramework ? { framework: opts.testFramework } : {}),
    });
    // The gate's baseline starts now, before the graph is built and the first edit is made.
    const gate = opts.testGate ? makeGate(opts, sandbox, plan, () => graph) : undefined;
    gate?.start();
    if (opts.graph !== false) {
      graph = await openRunGraph({
        sandbox,
        repoPath: opts.repoPath,
        problemStatement: opts.task.problemStatement,
        log: opts.log,
      });
      if (graph) opts.onEvent?.({ type: "localized", files: graph.topFiles });
      if (graph && gate) gate.prefetch(likelyTests(graph, settingsOf(opts).hops));
    }
    const registry = new ToolRegistry([...createDefaultTools(), ...(graph?.tools ?? [])]);
    const result = await runAgent({
      runId: opts.runId,
      task: opts.task,
      model: opts.model,
      sandbox,
      tools: registry,
      budget: opts.budget,
      prompts,
      trajectoryPath,
      log: opts.log,
      runTests: async (selection) => {
        const report = await runSelectedTests(sandbox, testCommand, selection, plan);
        return gate ? gate.annotate(report) : report;
      },
      ...(testCommand ? { testCommand } : plan ? { testCommand: plan.command } : {}),
      ...(gate ? { gate } : {}),
      ...(graph ? { graph: graph.hooks, localization: graph.localization } : {}),
      commandTimeoutMs: opts.commandTimeoutMs,
      signal: opts.signal,
      config: opts.config,
      textMode: opts.model.spec.startsWith("openai-text:"),
      onEvent: opts.onEvent,
    });
    return await writeOutcome(opts, result, sandbox.kind);
  } catch (err) {
    // Whatever failed before or around the loop, the run folder gets its result.json.
    opts.log.error({ err: errorMessage(err) }, "solve failed");
    const failed: RunResult = {
      runId: opts.runId,
      status: "exit_error",
      patch: "",
      steps: 0,
      costUsd: 0,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      elapsedMs: 0,
      trajectoryPath,
      error: errorMessage(err),
      errorExitCode: err instanceof FixpointError ? err.exitCode : 1,
      ...(err instanceof FixpointError && err.exitCode === 3 ? { infrastructure: true } : {}),
    };
    await writeOutcome(opts, failed, sandbox.kind).catch(() => undefined);
    throw err;
  } finally {
    await graph?.close().catch(() => undefined);
    await sandbox
      .close()
      .catch((err: unknown) => opts.log.error({ err: String(err) }, "sandbox close failed"));
  }

  async function writeOutcome(
    o: SolveOptions,
    result: RunResult,
    kind: Sandbox["kind"],
  ): Promise<SolveOutcome> {
    await writeFileAtomic(patchPath, result.patch);
    const outcome: SolveOutcome = { ...result, runDir: o.runDir, patchPath, resultPath, sandboxKind: kind };
    await writeFileAtomic(resultPath, JSON.stringify(resultSummary(outcome), null, 2));
    return outcome;
  }
}

/** The test gate of a run: the baseline (cached on disk) and the graph's test selection. */
function makeGate(
  opts: SolveOptions,
  sandbox: Sandbox,
  plan: TestPlan | null,
  graph: () => RunGraph | null,
): TestGate {
  const settings = settingsOf(opts);
  const cacheDir = opts.baselineCache?.dir ?? join(fixpointCacheDir(), "baselines");
  const baseline = plan
    ? Baseline.open({
        sandbox,
        plan,
        key: {
          repo: opts.baselineCache?.repo ?? realRepoPath(opts.repoPath),
          commit: sandbox.baseCommit,
          environment: sandbox.environment,
          command: plan.command,
          reader: testingCodeVersion(),
        },
        ...(cacheDir ? { cacheDir } : {}),
        log: opts.log,
      })
    : null;
  return new TestGate({
    sandbox,
    plan,
    named: opts.task.tests?.failToPass ?? [],
    baseline,
    scope: settings.scope,
    hops: settings.hops,
    fullBudgetMs: Math.min(
      settings.fullBudgetMs,
      opts.budget.maxTimeMs ? opts.budget.maxTimeMs / 4 : Infinity,
    ),
    selectTests: async (diff, changed, hops) => {
      const g = graph();
      if (!g) return null;
      // Edits made by commands the graph did not hear of are indexed before the question.
      await g.hooks.update(changed);
      return testsReaching(g.graph, diff, { hops });
    },
    log: opts.log,
  });
}

function settingsOf(opts: SolveOptions): GateSettings {
  return { ...GATE_DEFAULTS, ...opts.gate };
}

/** The tests that reach the functions the localization ranks first: what a fix there would need. */
function likelyTests(graph: RunGraph, hops: number) {
  return testsReachingLocations(graph.graph, graph.topSymbols, { hops, limit: 200 });
}

function realRepoPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Runs the task's tests: all, the named ones, or (relatedOnly) the test files related to what
 * changed so far — falling back to the whole suite, and saying so, when none are related.
 */
export async function runSelectedTests(
  sandbox: Sandbox,
  command: string | undefined,
  selection: TestSelection | undefined,
  plan?: TestPlan | null,
): Promise<TestRunReport> {
  let tests = selection?.tests?.length ? selection.tests : undefined;
  let note = "";
  if (!tests && selection?.relatedOnly) {
    const changed = await sandbox.listChangedFiles();
    const listed = await sandbox.execOnce("git ls-files --cached --others --exclude-standard", {
      cwd: sandbox.root,
    });
    const related = relatedTests(
      changed,
      listed.stdout.split("\n").filter((f) => f && isTestFile(f)),
    );
    if (related.length) tests = related;
    else note = "No test files related to the changed files were found; ran the whole suite.\n";
  }
  const report = await runTests(sandbox, {
    ...(plan ? { plan } : command ? { command } : {}),
    ...(tests ? { tests } : {}),
    ...(selection?.timeoutMs ? { timeoutMs: selection.timeoutMs } : {}),
  });
  return note ? { ...report, output: note + report.output } : report;
}

/** The machine-readable summary printed by `--json` and saved as result.json. */
export function resultSummary(o: SolveOutcome) {
  return {
    runId: o.runId,
    status: o.status,
    solved: o.status === "submitted",
    steps: o.steps,
    costUsd: Number(o.costUsd.toFixed(6)),
    tokens: o.tokens,
    elapsedMs: o.elapsedMs,
    sandbox: o.sandboxKind,
    patchPath: o.patchPath,
    trajectoryPath: o.trajectoryPath,
    logPath: join(o.runDir, "run.log"),
    patchLines: o.patch ? o.patch.split("\n").length : 0,
    ...(o.testReport
      ? {
          tests: {
            command: o.testReport.command,
            exitCode: o.testReport.exitCode,
            counts: o.testReport.counts,
          },
        }
      : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}
