export { Baseline, type BaselineKey, hiddenMs } from "./baseline.js";
export { Budget, type BudgetExit, type BudgetLimits } from "./budget.js";
export { digestRun, type RunDigest } from "./digest.js";
export { BestPatch, type GateOutcome, type GateScope, TestGate } from "./gate.js";
export { compactHistory, estimateTokens } from "./history.js";
export { type AgentEvent, type AgentOptions, type RunResult, runAgent, type ToolRunner } from "./loop.js";
export { BUILTIN_PROMPTS_DIR, type PromptName, PromptRenderer } from "./prompts.js";
export {
  GATE_DEFAULTS,
  type GateSettings,
  resultSummary,
  type SolveOptions,
  type SolveOutcome,
  solveTask,
} from "./solve.js";
export type { ExitStatus, Trajectory, TrajectoryStep } from "./trajectory.js";
export { TRAJECTORY_VERSION, TrajectoryWriter } from "./trajectory.js";
