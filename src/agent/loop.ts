/**
 * The agent loop — model turn → tool calls → observations → next turn — until `submit` passes
 * the test gate or a budget runs out. Readable in one sitting: everything else (providers,
 * tools, sandbox, tests, prompts) is behind a plain interface.
 */
import { errorMessage, FixpointError, InfraError } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type {
  AssistantMessage,
  Message,
  Model,
  ModelResponse,
  ToolCall,
  ToolResult,
} from "../model/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { Task } from "../task/types.js";
import type { TestRunReport, TestSelection } from "../testing/index.js";
import { renderPlan } from "../tools/index.js";
import type { GraphHooks, ToolContext, ToolResultData } from "../tools/types.js";
import { newToolState } from "../tools/types.js";
import { Budget, type BudgetLimits } from "./budget.js";
import { BestPatch, runTestGate } from "./gate.js";
import { compactHistory, estimateTokens } from "./history.js";
import type { PromptRenderer } from "./prompts.js";
import {
  type ExitStatus,
  type Observation,
  TRAJECTORY_VERSION,
  type Trajectory,
  type TrajectoryStep,
  TrajectoryWriter,
} from "./trajectory.js";

/** What the loop needs from the tool registry. */
export interface ToolRunner {
  specs(): import("../model/index.js").ToolSpec[];
  /** Checks a call without running it: null when valid, else a one-line reason. */
  validate(call: ToolCall): string | null;
  execute(call: ToolCall, ctx: ToolContext): Promise<ToolResultData>;
}

export type AgentEvent =
  | { type: "localized"; files: string[] }
  | { type: "step"; step: number; costUsd: number; tools: string[] }
  | { type: "rejected"; step: number; reason: string }
  | { type: "gate"; step: number; passed: boolean; summary: string }
  | { type: "done"; status: ExitStatus };

export interface AgentOptions {
  runId: string;
  task: Task;
  model: Model;
  sandbox: Sandbox;
  tools: ToolRunner;
  budget: BudgetLimits;
  prompts: PromptRenderer;
  trajectoryPath: string;
  log: Logger;
  runTests(selection?: TestSelection): Promise<TestRunReport>;
  /** Renders a test report for the model (counts and failing tests). */
  summarizeTests(report: TestRunReport): string;
  testCommand?: string;
  /** Run the test gate on submit (default true). */
  testGate?: boolean;
  graph?: GraphHooks;
  /** Localization candidates and a repo-map slice for the instance prompt. */
  localization?: string;
  commandTimeoutMs?: number;
  signal?: AbortSignal;
  /** Recorded in the trajectory as the run's configuration. */
  config?: Record<string, unknown>;
  /** Whether the model speaks the text protocol (affects the format-error prompt). */
  textMode?: boolean;
  maxFormatRetries?: number;
  onEvent?: (event: AgentEvent) => void;
}

export interface RunResult {
  runId: string;
  status: ExitStatus;
  /** The patch the run returns: the submitted one, or the best one when a budget ran out. */
  patch: string;
  steps: number;
  costUsd: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  elapsedMs: number;
  trajectoryPath: string;
  error?: string;
  /** Exit code the error maps to (3 infrastructure, 2 usage), when status is exit_error. */
  errorExitCode?: number;
  testReport?: TestRunReport;
}

const VERSION = "0.1.0";

export async function runAgent(opts: AgentOptions): Promise<RunResult> {
  const { task, model, sandbox, tools, prompts, log } = opts;
  const budget = new Budget(opts.budget);
  const testGate = opts.testGate ?? true;
  const maxFormatRetries = opts.maxFormatRetries ?? 3;
  const specs = tools.specs();
  const state = newToolState();
  const best = new BestPatch();
  const ctx: ToolContext = {
    sandbox,
    task,
    state,
    runTests: opts.runTests,
    log,
    signal: opts.signal,
    commandTimeoutMs: opts.commandTimeoutMs ?? 120_000,
    graph: opts.graph,
  };

  const system = prompts.render("system", {
    root: sandbox.root,
    test_gate: testGate,
    budget_summary: budget.summary(),
  });
  const messages: Message[] = [
    {
      role: "user",
      text: prompts.render("instance", {
        problem_statement: task.problemStatement,
        hints: task.hints ?? "",
        localization: opts.localization ?? "",
        test_command: opts.testCommand ?? task.tests?.command ?? "",
        fail_to_pass: task.tests?.failToPass ?? [],
        root: sandbox.root,
        base_commit: sandbox.baseCommit,
      }),
    },
  ];

  const now = new Date().toISOString();
  const trajectory: Trajectory = {
    version: TRAJECTORY_VERSION,
    runId: opts.runId,
    task,
    config: opts.config ?? {},
    environment: {
      sandbox: sandbox.kind,
      sandboxId: sandbox.id,
      root: sandbox.root,
      baseCommit: sandbox.baseCommit,
      fixpointVersion: VERSION,
    },
    startedAt: now,
    updatedAt: now,
    steps: [],
    totals: budget.totals(),
  };
  const writer = new TrajectoryWriter(opts.trajectoryPath, trajectory);
  const save = async () => {
    trajectory.totals = budget.totals();
    await writer.save();
  };
  await save();

  let status: ExitStatus | undefined;
  let error: string | undefined;
  let errorExitCode: number | undefined;
  let formatFailures = 0;
  /** A rejected reply and the re-ask: sent once, never kept in `messages`. */
  let reask: Message[] = [];
  let lastReport: TestRunReport | undefined;
  let contextNoteDue = 0;

  while (!status) {
    if (opts.signal?.aborted) {
      status = "exit_interrupted";
      break;
    }
    const spent = budget.exhausted();
    if (spent) {
      status = spent === "exit_tokens" ? "exit_cost" : spent;
      if (spent === "exit_tokens") error = "token budget spent";
      break;
    }

    // Keep the request under the context window (leave room for the reply).
    const limit = Math.floor(model.contextWindow * 0.85) - 8_192;
    const compaction = compactHistory(system, messages, specs, limit);
    if (compaction.elided > 0) contextNoteDue += compaction.elided;
    if (compaction.tokens > limit) {
      status = "exit_context";
      error = `history of about ${compaction.tokens} tokens does not fit the context window of ${model.contextWindow}`;
      break;
    }
    if (contextNoteDue > 0) {
      const last = messages[messages.length - 1];
      if (last?.role === "user") {
        last.text = `${last.text ? `${last.text}\n` : ""}${prompts.render("context_elided", { count: contextNoteDue })}`;
        contextNoteDue = 0;
      }
    }

    const requestMessages = [...messages, ...reask];
    const stepIndex = budget.steps + 1;
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    let response: ModelResponse;
    try {
      response = await model.complete({
        system,
        messages: requestMessages,
        tools: specs,
        signal: opts.signal,
      });
    } catch (err) {
      if (opts.signal?.aborted) {
        status = "exit_interrupted";
        break;
      }
      status = "exit_error";
      error = errorMessage(err);
      errorExitCode = err instanceof FixpointError ? err.exitCode : err instanceof InfraError ? 3 : 1;
      log.error({ err: error }, "model call failed");
      break;
    }
    const modelMs = performance.now() - t0;
    budget.charge(response.usage, response.costUsd);

    const step: TrajectoryStep = {
      index: stepIndex,
      startedAt,
      modelMs: Math.round(modelMs),
      request: {
        messages: requestMessages.length,
        estimatedTokens: estimateTokens(system, requestMessages, specs),
      },
      response: {
        text: response.text,
        toolCalls: response.toolCalls,
        usage: response.usage,
        costUsd: response.costUsd,
        stopReason: response.stopReason,
        model: response.model,
        ...(response.formatError ? { formatError: response.formatError } : {}),
      },
      observations: [],
      toolsMs: 0,
    };
    trajectory.steps.push(step);

    // A reply we cannot act on is re-asked, without keeping it in the history.
    const problem = replyProblem(response, tools);
    if (problem) {
      step.rejected = problem;
      formatFailures += 1;
      opts.onEvent?.({ type: "rejected", step: stepIndex, reason: problem });
      log.warn({ step: stepIndex, problem }, "reply rejected");
      if (formatFailures > maxFormatRetries) {
        status = "exit_format";
        error = `the model's reply was unusable ${formatFailures} times in a row: ${problem}`;
        await save();
        break;
      }
      reask = [
        assistantMessage(response),
        {
          role: "user",
          toolResults: response.toolCalls.map((c) => ({
            toolCallId: c.id,
            name: c.name,
            output: tools.validate(c) ?? "not run: another call in this reply was invalid",
            isError: true,
          })),
          text: prompts.render("format_error", {
            error: problem,
            attempt: formatFailures,
            max_attempts: maxFormatRetries,
            text_mode: opts.textMode ?? false,
          }),
        },
      ];
      await save();
      continue;
    }
    formatFailures = 0;
    reask = [];
    messages.push(assistantMessage(response));

    // Run the tool calls in order; a submit ends the turn.
    const results: ToolResult[] = [];
    const notes: string[] = [];
    let submitted = false;
    const tTools = performance.now();
    for (const call of response.toolCalls) {
      if (submitted) {
        results.push({
          toolCallId: call.id,
          name: call.name,
          output: "not run: submitted before",
          isError: true,
        });
        continue;
      }
      const tCall = performance.now();
      const result = await tools.execute(call, ctx);
      let output = result.output;
      if (result.timedOut) output = `${output}\n${prompts.render("timeout", {})}`;
      const observation: Observation = {
        toolCallId: call.id,
        name: call.name,
        output,
        isError: result.isError,
        durationMs: Math.round(performance.now() - tCall),
      };
      step.observations.push(observation);
      results.push({ toolCallId: call.id, name: call.name, output, isError: result.isError });
      if (state.lastTestReport) lastReport = state.lastTestReport;
      if (result.submitted) submitted = true;
    }
    step.toolsMs = Math.round(performance.now() - tTools);
    opts.onEvent?.({
      type: "step",
      step: stepIndex,
      costUsd: budget.costUsd,
      tools: response.toolCalls.map((c) => c.name),
    });

    let gateText: string | undefined;
    if (submitted) {
      if (!testGate) {
        status = "submitted";
      } else {
        const gate = await runTestGate(task, opts.runTests);
        const report = gate.reports[gate.reports.length - 1];
        if (report) lastReport = report;
        const summary = gate.skipped
          ? "no test command was found, so the gate could not run tests"
          : gate.reports.map((r) => opts.summarizeTests(r)).join("\n\n");
        step.gate = {
          passed: gate.passed,
          summary,
          counts: report?.counts,
          exitCode: report?.exitCode ?? 0,
        };
        best.offer({ patch: await sandbox.diff(), passing: gate.passingCount });
        opts.onEvent?.({ type: "gate", step: stepIndex, passed: gate.passed, summary });
        if (gate.passed) status = "submitted";
        else gateText = prompts.render("test_gate", { report: summary });
      }
    }
    if (notes.length) step.notes = notes;
    if (!status) {
      const nextStep = prompts.render("next_step", {
        plan: state.plan.length ? renderPlan(state.plan) : "",
        step: budget.steps,
        max_steps: budget.limits.maxSteps,
        cost: budget.costUsd,
        max_cost: budget.limits.maxCostUsd ?? 0,
      });
      messages.push({
        role: "user",
        toolResults: results,
        text: [gateText, nextStep].filter(Boolean).join("\n\n"),
      });
    }
    await save();
  }

  // The result: the submitted diff, or on any other exit the best tested patch (else the diff).
  let finalDiff = "";
  try {
    finalDiff = await sandbox.diff();
  } catch (err) {
    log.error({ err: errorMessage(err) }, "could not take the final diff");
  }
  const patch = status === "submitted" || !best.best ? finalDiff : best.best.patch;
  trajectory.status = status;
  trajectory.finishedAt = new Date().toISOString();
  trajectory.patch = patch;
  if (finalDiff !== patch) trajectory.finalDiff = finalDiff;
  if (error) trajectory.error = error;
  if (lastReport) {
    trajectory.testReport = {
      command: lastReport.command,
      exitCode: lastReport.exitCode,
      counts: lastReport.counts,
      framework: lastReport.framework,
    };
  }
  await save();
  opts.onEvent?.({ type: "done", status });
  const totals = budget.totals();
  return {
    runId: opts.runId,
    status,
    patch,
    steps: totals.steps,
    costUsd: totals.costUsd,
    tokens: {
      input: totals.inputTokens,
      output: totals.outputTokens,
      cacheRead: totals.cacheReadTokens,
      cacheWrite: totals.cacheWriteTokens,
    },
    elapsedMs: totals.elapsedMs,
    trajectoryPath: opts.trajectoryPath,
    ...(error ? { error } : {}),
    ...(errorExitCode ? { errorExitCode } : {}),
    ...(lastReport ? { testReport: lastReport } : {}),
  };
}

function assistantMessage(r: ModelResponse): AssistantMessage {
  return { role: "assistant", text: r.text, toolCalls: r.toolCalls };
}

/** Why a reply cannot be acted on, or null. */
function replyProblem(r: ModelResponse, tools: ToolRunner): string | null {
  if (r.formatError) return r.formatError;
  if (r.toolCalls.length === 0) {
    return r.stopReason === "max_tokens"
      ? "the reply was cut off by the output-token limit before it called a tool"
      : "the reply called no tool; every reply must call at least one tool (call submit when done)";
  }
  for (const c of r.toolCalls) {
    const why = tools.validate(c);
    if (why) return `${c.name}: ${why}`;
  }
  return null;
}
