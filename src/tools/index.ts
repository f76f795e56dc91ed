/**
 * The agent's tools: bash, editor, search, plan, run_tests, submit, and the registry that offers
 * them to the model and runs its calls (validation, error results, bounded output, graph updates).
 */
import { bashTool } from "./bash.js";
import { editorTool } from "./editor.js";
import { planTool } from "./plan.js";
import { runTestsTool } from "./run-tests.js";
import { searchTool } from "./search.js";
import { submitTool } from "./submit.js";
import type { Tool } from "./types.js";

export { bashTool, MAX_BASH_TIMEOUT_S } from "./bash.js";
export { editorTool, noMatchMessage, VIEW_MAX_CHARS } from "./editor.js";
export { createGraphTools, type GraphToolOptions } from "./graph/index.js";
export {
  describeRefusal,
  detectInteractive,
  type InteractiveMatch,
  isInteractiveCommand,
} from "./interactive.js";
export { PLAN_MAX_STEP_CHARS, PLAN_MAX_STEPS, planTool, renderPlan } from "./plan.js";
export {
  DEFAULT_MAX_OUTPUT_CHARS,
  describeInputError,
  ToolRegistry,
  type ToolRegistryOptions,
  toModelSchema,
} from "./registry.js";
export { type RunTestsRequest, runTestsTool } from "./run-tests.js";
export { SEARCH_DEFAULT_RESULTS, SEARCH_MAX_RESULTS, searchTool } from "./search.js";
export { type Candidate, findCandidates } from "./similar.js";
export { submitTool } from "./submit.js";
export type {
  GraphHooks,
  PlanStatus,
  PlanStep,
  Tool,
  ToolContext,
  ToolResultData,
  ToolState,
} from "./types.js";
export { newToolState } from "./types.js";

/** The default tool set, in the order offered to the model. */
export function createDefaultTools(): Tool[] {
  return [bashTool, editorTool, searchTool, planTool, runTestsTool, submitTool];
}
