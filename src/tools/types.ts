/**
 * A tool: a name, a description, a zod schema for its input (also exported as JSON schema for
 * the model) and `execute`. Tools never throw into the loop — failures are results with
 * `isError: true` — and the registry bounds what they return.
 */
import type { z } from "zod";
import type { Logger } from "../log/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { Task } from "../task/index.js";
import type { TestRunReport, TestSelection } from "../testing/index.js";

export type PlanStatus = "pending" | "in_progress" | "done";

export interface PlanStep {
  step: string;
  status: PlanStatus;
}

/** State a run keeps across tool calls (owned by the agent, mutated by tools). */
export interface ToolState {
  plan: PlanStep[];
  /** Previous contents of edited files, newest last, for `editor undo_edit`. null = did not exist. */
  editHistory: Map<string, Array<string | null>>;
  /** The last test report, for the test gate and the trajectory. */
  lastTestReport?: TestRunReport;
}

/** Optional code-graph hooks; present when the graph was built for this run. */
export interface GraphHooks {
  /** Re-index these files (paths relative to the checkout root) after they changed. */
  update(paths: string[]): Promise<void>;
  /**
   * Syntax guard for the editor: returns a refusal message when `after` introduces tree-sitter
   * ERROR/MISSING nodes that `before` did not have (null = accept). `before` null = new file.
   */
  checkEdit?(path: string, before: string | null, after: string): Promise<string | null>;
}

export interface ToolContext {
  sandbox: Sandbox;
  task: Task;
  state: ToolState;
  /** Runs the task's tests (or a selection) and returns the report. */
  runTests(selection?: TestSelection): Promise<TestRunReport>;
  log: Logger;
  signal?: AbortSignal;
  /** Default per-command timeout for `bash`, ms. */
  commandTimeoutMs: number;
  /** Milliseconds left in the run's wall-time budget (Infinity when uncapped): bounds every command. */
  timeLeftMs?: () => number;
  graph?: GraphHooks;
}

export interface ToolResultData {
  output: string;
  isError: boolean;
  /** Set by `submit`: the run ends after this call. */
  submitted?: boolean;
  /** Files this call changed, relative to the checkout root, when the tool knows them. */
  changedFiles?: string[];
  /** Set by `bash` when the command was interrupted by its timeout (the agent adds advice). */
  timedOut?: boolean;
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: S;
  execute(input: z.infer<S>, ctx: ToolContext): Promise<ToolResultData>;
}

export function newToolState(): ToolState {
  return { plan: [], editHistory: new Map() };
}
