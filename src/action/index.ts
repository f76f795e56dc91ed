// The GitHub Action, an application like the CLI: inputs, the trigger decision, the progress
// comment and the run. `main.ts` is the entry point action.yml starts.
export { checkActorPermission, type PermissionCheck } from "./access.js";
export {
  type ActionInputs,
  DEFAULT_MAX_COST_USD,
  DEFAULT_MAX_STEPS,
  DEFAULT_MAX_TIME,
  readActionInputs,
} from "./inputs.js";
export { actionMain } from "./main.js";
export { writeActionOutputs } from "./outputs.js";
export { type PhaseName, type PhaseState, type Progress, renderProgress, testsDetail } from "./progress.js";
export {
  type ActionLimits,
  type ActionResult,
  type ActionSolveOutcome,
  type ActionStatus,
  type RunActionOptions,
  runAction,
  type SolveFn,
  type SolveHooks,
} from "./run.js";
export { loadAgentSolver } from "./solver.js";
export { decideTrigger, type TriggerDecision } from "./trigger.js";
