/**
 * The model layer: the provider-neutral `Model` interface and its providers — Anthropic,
 * OpenAI-compatible (native tools or the text protocol), scripted, replay — plus pricing.
 */
// The providers' classes as types only: their SDKs load when createModel makes one of them.
export type { AnthropicModel } from "./anthropic.js";
export { ScriptExhaustedError } from "./errors.js";
export type { OpenAIMode, OpenAIModel } from "./openai.js";
export {
  type ModelOptions,
  ModelOptionsSchema,
  type ResolvedModelOptions,
  resolveModelOptions,
} from "./options.js";
export {
  type CostOptions,
  contextWindowFor,
  costOf,
  DEFAULT_CONTEXT_WINDOW,
  DEFAULT_PRICING,
  findPricing,
  type ModelPrice,
  modelIdCandidates,
  type PricingOverride,
  PricingOverrideSchema,
  parsePricingOverride,
  pricedModel,
  resetPricingWarnings,
} from "./pricing.js";
export { loadReplayModel, ReplayModel, responsesFromTrajectory } from "./replay.js";
export { backoffMs, type RetryPolicy, retryAfterMs } from "./retry.js";
export {
  loadScriptedModel,
  type Script,
  ScriptedModel,
  type ScriptedTurn,
  ScriptSchema,
  scriptedModelFromTurns,
} from "./scripted.js";
export {
  createModel,
  type ModelSpec,
  PROVIDERS,
  type Provider,
  parseModelSpec,
  VALID_SPEC_FORMS,
} from "./spec.js";
export {
  parseTextAction,
  renderActionBlock,
  renderObservations,
  renderTextProtocol,
  TEXT_PROTOCOL_INSTRUCTIONS,
  type TextActionResult,
} from "./text-protocol.js";
export type {
  AssistantMessage,
  Message,
  Model,
  ModelRequest,
  ModelResponse,
  ToolCall,
  ToolResult,
  ToolSpec,
  Usage,
  UserMessage,
} from "./types.js";
export { emptyUsage } from "./types.js";
