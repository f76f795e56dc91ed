/**
 * The trajectory: one JSON file per run, rewritten atomically after every step, holding the task,
 * the configuration, every model call (text, tool calls, usage, cost, timing), every observation,
 * and the final status and patch. `fixpoint replay` feeds the recorded responses back as a model.
 */
import { writeFileAtomic } from "../common/index.js";
import { redactSecrets } from "../log/index.js";
import type { ModelResponse, ToolCall } from "../model/index.js";
import type { Task } from "../task/index.js";
import type { TestRunReport } from "../testing/index.js";

export const TRAJECTORY_VERSION = 1;

export type ExitStatus =
  | "submitted"
  | "exit_cost"
  | "exit_steps"
  | "exit_time"
  | "exit_context"
  | "exit_format"
  | "exit_error"
  | "exit_interrupted";

export interface Observation {
  toolCallId: string;
  name: string;
  output: string;
  isError: boolean;
  durationMs: number;
}

export interface TrajectoryStep {
  index: number;
  startedAt: string;
  /** Model latency. */
  modelMs: number;
  /** Size of the request sent: messages and an estimate of its tokens. */
  request: { messages: number; estimatedTokens: number };
  response: {
    text: string;
    toolCalls: ToolCall[];
    usage: ModelResponse["usage"];
    costUsd: number;
    stopReason: string;
    model: string;
    formatError?: string;
  };
  /** Set when the reply was not used and the model was asked again (format error, invalid input). */
  rejected?: string;
  observations: Observation[];
  /** Tool execution time for this step. */
  toolsMs: number;
  /** Test-gate report after a submit, when the gate ran. */
  gate?: GateRecord;
}

export interface GateRecord {
  passed: boolean;
  /** What the model was shown. */
  summary: string;
  counts?: TestRunReport["counts"];
  exitCode: number;
  /** `passed`/`failed` on per-test results, `unverified` on exit codes, `no-tests`, `skipped`. */
  verdict?: string;
  command?: string;
  /** What ran: the whole suite, or the tests related to the change, and why. */
  scope?: "full" | "related";
  scopeWhy?: string;
  /** The selected tests (in the test command's syntax) and why each was chosen. */
  selection?: Array<{ test: string; reasons: string[] }>;
  /** What the code graph left out of the selection on purpose (names too common to match, …). */
  selectionNotes?: string[];
  baseline?: {
    source: "cache" | "run";
    tests: number;
    full?: { complete: boolean; durationMs: number; budgetMs: number; exitCode: number; parsed: boolean };
    runMs: number;
    waitedMs: number;
    /** Baseline run time that overlapped the model's turns instead of a wait. */
    hiddenMs: number;
    copyMs?: number;
  };
  regressions?: Array<{ name: string; kind: string; before?: string; now?: string }>;
  namedFailing?: Array<{ name: string; status: string }>;
  agentTests?: Array<{ name: string; status: string }>;
  preExisting?: string[];
  flaky?: Array<{ name: string; why: string }>;
  /** Tests that passed at baseline and that the agent's diff removed or renamed (not blocking). */
  removed?: string[];
  fixed?: string[];
  durationMs?: number;
}

export interface Trajectory {
  version: number;
  runId: string;
  task: Task;
  config: Record<string, unknown>;
  environment: {
    sandbox: string;
    sandboxId?: string;
    root?: string;
    baseCommit?: string;
    fixpointVersion: string;
  };
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  steps: TrajectoryStep[];
  totals: {
    steps: number;
    costUsd: number;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    elapsedMs: number;
  };
  status?: ExitStatus;
  error?: string;
  /** The run stopped because its sandbox or the Docker engine was lost (not the agent's outcome). */
  infrastructure?: boolean;
  /** The patch the run returns (the submitted one, or the best one on a budget exit). */
  patch?: string;
  /** The working tree's diff at the end, when it differs from `patch`. */
  finalDiff?: string;
  testReport?: { command: string; exitCode: number; counts?: TestRunReport["counts"]; framework?: string };
}

export class TrajectoryWriter {
  constructor(
    readonly path: string,
    readonly data: Trajectory,
  ) {}

  async save(): Promise<void> {
    this.data.updatedAt = new Date().toISOString();
    await writeFileAtomic(this.path, redactSecrets(JSON.stringify(this.data, null, 2)));
  }
}
