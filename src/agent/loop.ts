/**
 * The agent loop — model turn → tool calls → observations → next turn — until `submit` passes
 * the test gate or a budget runs out. Readable in one sitting: one iteration is "query the model,
 * reject a reply that cannot be used, run its calls, check the sandbox, gate a submit"; the run
 * always ends in `finish`, whatever went wrong, with a final status in the trajectory.
 */
import { errorMessage, FIXPOINT_VERSION, FixpointError } from "../common/index.js";
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
import type { Task } from "../task/index.js";
import type { TestRunReport, TestSelection } from "../testing/index.js";
import {
  type GraphHooks,
  newToolState,
  renderPlan,
  type ToolContext,
  type ToolResultData,
} from "../tools/index.js";
import { Budget, type BudgetLimits } from "./budget.js";
import { BestPatch, type TestGate } from "./gate.js";
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
  /** Runs tests for the `run_tests` tool. */
  runTests(selection?: TestSelection): Promise<TestRunReport>;
  testCommand?: string;
  /** The test gate run on submit; absent = a submit is accepted as it is (`--no-test-gate`). */
  gate?: TestGate;
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
  /** The run stopped because its sandbox or the Docker engine was lost: running it again may succeed. */
  infrastructure?: boolean;
  testReport?: TestRunReport;
}

/** How an iteration ends the run. */
interface Stop {
  status: ExitStatus;
  error?: string;
  errorExitCode?: number;
  infrastructure?: boolean;
}

export async function runAgent(opts: AgentOptions): Promise<RunResult> {
  const run = new AgentRun(opts);
  return run.run();
}

class AgentRun {
  private readonly budget: Budget;
  private readonly ctx: ToolContext;
  private readonly best = new BestPatch();
  private readonly trajectory: Trajectory;
  private readonly writer: TrajectoryWriter;
  private readonly system: string;
  private readonly messages: Message[];
  private formatFailures = 0;
  /** A rejected reply and the re-ask: sent once, never kept in `messages`. */
  private reask: Message[] = [];
  private lastReport: TestRunReport | undefined;
  private contextNoteDue = 0;

  constructor(private readonly opts: AgentOptions) {
    const { task, sandbox, prompts } = opts;
    this.budget = new Budget(opts.budget);
    this.ctx = {
      sandbox,
      task,
      state: newToolState(),
      runTests: opts.runTests,
      log: opts.log,
      signal: opts.signal,
      commandTimeoutMs: opts.commandTimeoutMs ?? 120_000,
      timeLeftMs: () => this.budget.remainingTimeMs(),
      graph: opts.graph,
    };
    this.system = prompts.render("system", {
      root: sandbox.root,
      test_gate: opts.gate !== undefined,
      budget_summary: this.budget.summary(),
    });
    const failToPass = task.tests?.failToPass ?? [];
    this.messages = [
      {
        role: "user",
        text: prompts.render("instance", {
          problem_statement: task.problemStatement,
          hints: task.hints ?? "",
          localization: opts.localization ?? "",
          test_command: opts.testCommand ?? task.tests?.command ?? "",
          fail_to_pass: failToPass,
          // With no named failing test, the agent writes one that reproduces the issue first.
          reproduce: opts.gate !== undefined && failToPass.length === 0,
          root: sandbox.root,
          base_commit: sandbox.baseCommit,
        }),
      },
    ];
    const now = new Date().toISOString();
    this.trajectory = {
      version: TRAJECTORY_VERSION,
      runId: opts.runId,
      task,
      config: opts.config ?? {},
      environment: {
        sandbox: sandbox.kind,
        sandboxId: sandbox.id,
        root: sandbox.root,
        baseCommit: sandbox.baseCommit,
        fixpointVersion: FIXPOINT_VERSION,
      },
      startedAt: now,
      updatedAt: now,
      steps: [],
      totals: this.budget.totals(),
    };
    this.writer = new TrajectoryWriter(opts.trajectoryPath, this.trajectory);
  }

  async run(): Promise<RunResult> {
    let stop: Stop | undefined;
    try {
      await this.save();
      // The baseline runs while the model takes its first turns.
      this.opts.gate?.start();
      while (!stop) stop = await this.iterate();
    } catch (err) {
      // Nothing may leave a run without a final status: an unexpected failure is an exit_error.
      stop = await this.failure(err, "the run failed");
      this.opts.log.error({ err: errorMessage(err) }, "agent loop failed");
    }
    return this.finish(stop);
  }

  /** One model turn and what follows from it; returns how the run ends, or undefined to go on. */
  private async iterate(): Promise<Stop | undefined> {
    const { opts, budget } = this;
    if (opts.signal?.aborted) return { status: "exit_interrupted" };
    const spent = budget.exhausted();
    if (spent === "exit_tokens") return { status: "exit_cost", error: "token budget spent" };
    if (spent) return { status: spent };

    const tooLong = this.compact();
    if (tooLong) return tooLong;

    const queried = await this.queryModel();
    if ("stop" in queried) return queried.stop;
    const { response, step } = queried;

    const problem = replyProblem(response, opts.tools);
    if (problem) return this.reject(response, step, problem);
    this.formatFailures = 0;
    this.reask = [];
    this.messages.push(assistantMessage(response));

    const { results, submitted } = await this.runCalls(response, step);
    opts.onEvent?.({
      type: "step",
      step: step.index,
      costUsd: budget.costUsd,
      tools: response.toolCalls.map((c) => c.name),
    });

    // A lost sandbox is the harness's problem: stop before the model sees what it did to the tools.
    const lost = await opts.sandbox.health();
    if (lost) return this.infrastructureStop(lost);

    let gateText: string | undefined;
    if (submitted) {
      if (!opts.gate) return { status: "submitted" };
      const gated = await this.gate(step);
      if ("stop" in gated) return gated.stop;
      if (gated.passed) return { status: "submitted" };
      gateText = gated.text;
    }
    this.messages.push({
      role: "user",
      toolResults: results,
      text: [gateText, this.nextStepText()].filter(Boolean).join("\n\n"),
    });
    await this.save();
    return undefined;
  }

  /** Keeps the request under the context window (leaving room for the reply). */
  private compact(): Stop | undefined {
    const { model, tools, prompts } = this.opts;
    const limit = Math.floor(model.contextWindow * 0.85) - 8_192;
    const compaction = compactHistory(this.system, this.messages, tools.specs(), limit);
    if (compaction.elided > 0) this.contextNoteDue += compaction.elided;
    if (compaction.tokens > limit) {
      return {
        status: "exit_context",
        error: `history of about ${compaction.tokens} tokens does not fit the context window of ${model.contextWindow}`,
      };
    }
    const last = this.messages[this.messages.length - 1];
    if (this.contextNoteDue > 0 && last?.role === "user") {
      last.text = `${last.text ? `${last.text}\n` : ""}${prompts.render("context_elided", { count: this.contextNoteDue })}`;
      this.contextNoteDue = 0;
    }
    return undefined;
  }

  private async queryModel(): Promise<{ stop: Stop } | { response: ModelResponse; step: TrajectoryStep }> {
    const { opts, budget } = this;
    const specs = opts.tools.specs();
    const requestMessages = [...this.messages, ...this.reask];
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    // The wall-time budget bounds the model call too.
    const timeLeft = budget.remainingTimeMs();
    const deadline = Number.isFinite(timeLeft) ? AbortSignal.timeout(Math.max(1, timeLeft)) : undefined;
    const signal =
      opts.signal && deadline ? AbortSignal.any([opts.signal, deadline]) : (opts.signal ?? deadline);
    let response: ModelResponse;
    try {
      response = await opts.model.complete({
        system: this.system,
        messages: requestMessages,
        tools: specs,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) return { stop: { status: "exit_interrupted" } };
      if (deadline?.aborted) return { stop: { status: "exit_time" } };
      opts.log.error({ err: errorMessage(err) }, "model call failed");
      return { stop: await this.failure(err, undefined, false) };
    }
    budget.charge(response.usage, response.costUsd);
    const step: TrajectoryStep = {
      index: budget.steps,
      startedAt,
      modelMs: Math.round(performance.now() - t0),
      request: {
        messages: requestMessages.length,
        estimatedTokens: estimateTokens(this.system, requestMessages, specs),
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
    this.trajectory.steps.push(step);
    return { response, step };
  }

  /** A reply that cannot be acted on is re-asked, without keeping it in the history. */
  private async reject(
    response: ModelResponse,
    step: TrajectoryStep,
    problem: string,
  ): Promise<Stop | undefined> {
    const { opts } = this;
    const maxFormatRetries = opts.maxFormatRetries ?? 3;
    step.rejected = problem;
    this.formatFailures += 1;
    opts.onEvent?.({ type: "rejected", step: step.index, reason: problem });
    opts.log.warn({ step: step.index, problem }, "reply rejected");
    if (this.formatFailures > maxFormatRetries) {
      return {
        status: "exit_format",
        error: `the model's reply was unusable ${this.formatFailures} times in a row: ${problem}`,
      };
    }
    this.reask = [
      assistantMessage(response),
      {
        role: "user",
        toolResults: response.toolCalls.map((c) => ({
          toolCallId: c.id,
          name: c.name,
          output: opts.tools.validate(c) ?? "not run: another call in this reply was invalid",
          isError: true,
        })),
        text: opts.prompts.render("format_error", {
          error: problem,
          attempt: this.formatFailures,
          max_attempts: maxFormatRetries,
          text_mode: opts.textMode ?? false,
        }),
      },
    ];
    await this.save();
    return undefined;
  }

  /** Runs the tool calls in order; a submit ends the turn. */
  private async runCalls(
    response: ModelResponse,
    step: TrajectoryStep,
  ): Promise<{ results: ToolResult[]; submitted: boolean }> {
    const { opts, ctx } = this;
    const results: ToolResult[] = [];
    let submitted = false;
    const t0 = performance.now();
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
      const result = await opts.tools.execute(call, ctx);
      let output = result.output;
      if (result.timedOut) output = `${output}\n${opts.prompts.render("timeout", {})}`;
      const observation: Observation = {
        toolCallId: call.id,
        name: call.name,
        output,
        isError: result.isError,
        durationMs: Math.round(performance.now() - tCall),
      };
      step.observations.push(observation);
      results.push({ toolCallId: call.id, name: call.name, output, isError: result.isError });
      if (ctx.state.lastTestReport) this.lastReport = ctx.state.lastTestReport;
      if (result.submitted) submitted = true;
    }
    step.toolsMs = Math.round(performance.now() - t0);
    return { results, submitted };
  }

  /** The test gate on a submit: passed, a report for the model, or a stop when the sandbox is lost. */
  private async gate(step: TrajectoryStep): Promise<{ stop: Stop } | { passed: boolean; text?: string }> {
    const { opts } = this;
    const gate = opts.gate!;
    try {
      const outcome = await gate.check(this.budget.remainingTimeMs());
      if (outcome.report) this.lastReport = outcome.report;
      // A run that timed out because the sandbox died is not a test result.
      const lost = await opts.sandbox.health();
      if (lost) return { stop: this.infrastructureStop(lost) };
      step.gate = outcome.record;
      this.best.offer({ patch: await opts.sandbox.diff(), ...outcome.score });
      opts.onEvent?.({ type: "gate", step: step.index, passed: outcome.passed, summary: outcome.text });
      if (outcome.passed) return { passed: true };
      return { passed: false, text: opts.prompts.render("test_gate", { report: outcome.text }) };
    } catch (err) {
      return { stop: await this.failure(err, "the test gate failed") };
    }
  }

  private nextStepText(): string {
    const { budget, ctx } = this;
    return this.opts.prompts.render("next_step", {
      plan: ctx.state.plan.length ? renderPlan(ctx.state.plan) : "",
      step: budget.steps,
      max_steps: budget.limits.maxSteps,
      cost: budget.costUsd,
      max_cost: budget.limits.maxCostUsd ?? 0,
    });
  }

  private infrastructureStop(why: string): Stop {
    this.opts.log.error({ why }, "sandbox lost: stopping the run");
    return { status: "exit_error", error: `infrastructure: ${why}`, errorExitCode: 3, infrastructure: true };
  }

  /** An exception: the sandbox's loss when it is lost, else an error of the run. */
  private async failure(err: unknown, what?: string, checkSandbox = true): Promise<Stop> {
    if (this.opts.signal?.aborted) return { status: "exit_interrupted" };
    if (checkSandbox) {
      const lost = await this.opts.sandbox.health().catch((e: unknown) => errorMessage(e));
      if (lost) return this.infrastructureStop(lost);
    }
    const exitCode = err instanceof FixpointError ? err.exitCode : 1;
    return {
      status: "exit_error",
      error: what ? `${what}: ${errorMessage(err)}` : errorMessage(err),
      errorExitCode: exitCode,
      ...(exitCode === 3 ? { infrastructure: true } : {}),
    };
  }

  /** The result: the submitted diff, or on any other exit the best gated patch (else the diff). */
  private async finish(stop: Stop): Promise<RunResult> {
    const { opts, trajectory, budget } = this;
    let finalDiff = "";
    try {
      finalDiff = await opts.sandbox.diff();
    } catch (err) {
      opts.log.error({ err: errorMessage(err) }, "could not take the final diff");
    }
    const patch = stop.status === "submitted" || !this.best.best ? finalDiff : this.best.best.patch;
    trajectory.status = stop.status;
    trajectory.finishedAt = new Date().toISOString();
    trajectory.patch = patch;
    if (finalDiff !== patch) trajectory.finalDiff = finalDiff;
    if (stop.error) trajectory.error = stop.error;
    if (stop.infrastructure) trajectory.infrastructure = true;
    const last = this.lastReport;
    if (last) {
      trajectory.testReport = {
        command: last.command,
        exitCode: last.exitCode,
        counts: last.counts,
        framework: last.framework,
      };
    }
    try {
      await this.save();
    } catch (err) {
      opts.log.error({ err: errorMessage(err) }, "could not write the trajectory");
    }
    opts.onEvent?.({ type: "done", status: stop.status });
    const totals = budget.totals();
    return {
      runId: opts.runId,
      status: stop.status,
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
      ...(stop.error ? { error: stop.error } : {}),
      ...(stop.errorExitCode ? { errorExitCode: stop.errorExitCode } : {}),
      ...(stop.infrastructure ? { infrastructure: true } : {}),
      ...(last ? { testReport: last } : {}),
    };
  }

  private async save(): Promise<void> {
    this.trajectory.totals = this.budget.totals();
    await this.writer.save();
  }
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
