/**
 * The `solve` use case: one task, one sandbox, one agent run. Opens the sandbox at the task's
 * base commit, wires the tools, the tests and (when enabled) the code graph, runs the loop, writes
 * `patch.diff` and `result.json` beside the trajectory, and always closes the sandbox.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type { Model } from "../model/index.js";
import { openSandbox, type Sandbox } from "../sandbox/index.js";
import type { Task } from "../task/types.js";
import {
  isTestFile,
  relatedTests,
  runTests,
  summarizeTestReport,
  type TestRunReport,
  type TestSelection,
} from "../testing/index.js";
import { createDefaultTools, ToolRegistry } from "../tools/index.js";
import type { BudgetLimits } from "./budget.js";
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
  testGate: boolean;
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
  let graph: RunGraph | null = null;
  try {
    const testCommand = opts.testCommand ?? opts.task.tests?.command ?? opts.task.environment?.testCommand;
    if (opts.graph !== false) {
      graph = await openRunGraph({
        sandbox,
        repoPath: opts.repoPath,
        problemStatement: opts.task.problemStatement,
        log: opts.log,
      });
      if (graph) opts.onEvent?.({ type: "localized", files: graph.topFiles });
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
      trajectoryPath: join(opts.runDir, "trajectory.json"),
      log: opts.log,
      runTests: (selection) => runSelectedTests(sandbox, testCommand, selection),
      summarizeTests: (report) => summarizeTestReport(report, { maxChars: 6000 }),
      testCommand,
      testGate: opts.testGate,
      ...(graph ? { graph: graph.hooks, localization: graph.localization } : {}),
      commandTimeoutMs: opts.commandTimeoutMs,
      signal: opts.signal,
      config: opts.config,
      textMode: opts.model.spec.startsWith("openai-text:"),
      onEvent: opts.onEvent,
    });
    const patchPath = join(opts.runDir, "patch.diff");
    const resultPath = join(opts.runDir, "result.json");
    await writeFileAtomic(patchPath, result.patch);
    const outcome: SolveOutcome = {
      ...result,
      runDir: opts.runDir,
      patchPath,
      resultPath,
      sandboxKind: sandbox.kind,
    };
    await writeFileAtomic(resultPath, JSON.stringify(resultSummary(outcome), null, 2));
    return outcome;
  } finally {
    await graph?.close().catch(() => undefined);
    await sandbox
      .close()
      .catch((err: unknown) => opts.log.error({ err: String(err) }, "sandbox close failed"));
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
    ...(command ? { command } : {}),
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
