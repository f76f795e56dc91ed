/**
 * The provider-neutral model interface. The agent speaks only these types; each provider
 * translates them to its wire format (Anthropic Messages, OpenAI chat completions, a text
 * protocol for models without tool calling, a script, a replayed trajectory).
 */

/** A tool as offered to the model: name, description and a JSON schema of its input. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** A tool call the model asked for. When its arguments were not valid JSON, `parseError` says so. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  /** The raw argument text, kept when it could not be parsed. */
  rawInput?: string;
  parseError?: string;
}

export interface ToolResult {
  toolCallId: string;
  name: string;
  output: string;
  isError: boolean;
}

export interface UserMessage {
  role: "user";
  /** Results of the previous assistant turn's tool calls, in call order. */
  toolResults?: ToolResult[];
  /** Free text after the results (instance prompt, next-step note, test-gate report…). */
  text?: string;
}

export interface AssistantMessage {
  role: "assistant";
  text: string;
  toolCalls: ToolCall[];
}

export type Message = UserMessage | AssistantMessage;

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  /** Upper bound on output tokens for this turn. */
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the provider's cache. */
  cacheReadTokens: number;
  /** Prompt tokens written to the provider's cache. */
  cacheWriteTokens: number;
}

export interface ModelResponse {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  /** USD, from the pricing table; 0 for unknown models (with a warning logged once). */
  costUsd: number;
  /** Provider's stop reason, normalised: end_turn, tool_use, max_tokens, stop, other. */
  stopReason: string;
  /** The provider model id that answered. */
  model: string;
  /**
   * Set when the reply could not be understood (text mode: no or several fenced actions).
   * The turn still counts against the budget; the loop re-asks with the format-error prompt.
   */
  formatError?: string;
}

export interface Model {
  /** The spec it was created from, e.g. `anthropic:claude-sonnet-4-5`. */
  readonly spec: string;
  /** Context window in tokens, used by history compaction. */
  readonly contextWindow: number;
  complete(request: ModelRequest): Promise<ModelResponse>;
}

export const emptyUsage = (): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});
