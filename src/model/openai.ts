/**
 * OpenAI-compatible chat completions through the `openai` package, with a configurable base URL
 * so local servers (vLLM, Ollama, llama.cpp) work. Two modes:
 *   - native (`openai:<model>`): `tools` / `tool_calls` / tool-role messages;
 *   - text (`openai-text:<model>`): no `tools` sent; the tool specs and the one-fenced-action
 *     reply format are appended to the system prompt, replies are parsed strictly
 *     (`text-protocol.ts`), and results go back as `Observation of <tool>:` user messages.
 * Usage: `prompt_tokens` minus `prompt_tokens_details.cached_tokens` is uncached input; the cached
 * part is reported as cache reads. Same retry policy as Anthropic (SDK retries off, our loop).
 */
import OpenAI from "openai";
import { z } from "zod";
import { InfraError, UsageError } from "../common/index.js";
import { classifyProviderError, IncompleteStreamError } from "./errors.js";
import type { ResolvedModelOptions } from "./options.js";
import { contextWindowFor, costOf, pricedModel } from "./pricing.js";
import { oneLine, retryPolicyOf, sdkLogger, type Watchdog, withRetries } from "./retry.js";
import {
  parseTextAction,
  renderActionBlock,
  renderObservations,
  renderTextProtocol,
} from "./text-protocol.js";
import type { Message, Model, ModelRequest, ModelResponse, ToolCall, Usage } from "./types.js";

export type OpenAIMode = "native" | "text";

type WireToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };
type WireMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: WireToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface OpenAIRequestBody {
  model: string;
  messages: WireMessage[];
  tools?: Array<{
    type: "function";
    function: { name: string; description: string; parameters: Record<string, unknown> };
  }>;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

/** Translates a provider-neutral request to a chat-completions body (without `stream`). */
export function toOpenAIBody(
  model: string,
  req: ModelRequest,
  mode: OpenAIMode,
  opts: { maxOutputTokens?: number; temperature?: number; legacyMaxTokens?: boolean } = {},
): OpenAIRequestBody {
  const system = mode === "text" ? `${req.system.trimEnd()}\n\n${renderTextProtocol(req.tools)}` : req.system;
  const messages: WireMessage[] = [];
  if (system.trim()) messages.push({ role: "system", content: system });
  for (const m of req.messages) messages.push(...(mode === "text" ? toTextWire(m) : toNativeWire(m)));
  const body: OpenAIRequestBody = { model, messages };
  if (mode === "native" && req.tools.length) {
    body.tools = req.tools.map((t) => ({
      type: "function",
      function: { name: t.name, description: t.description, parameters: t.inputSchema },
    }));
  }
  const max = req.maxOutputTokens ?? opts.maxOutputTokens;
  // OpenAI's own newer models want max_completion_tokens; local servers know max_tokens.
  if (max !== undefined) body[opts.legacyMaxTokens ? "max_tokens" : "max_completion_tokens"] = max;
  if (opts.temperature !== undefined) body.temperature = opts.temperature;
  return body;
}

function toNativeWire(m: Message): WireMessage[] {
  if (m.role === "user") {
    const out: WireMessage[] = (m.toolResults ?? []).map((r) => ({
      role: "tool",
      tool_call_id: r.toolCallId,
      content: `${r.isError ? "[error] " : ""}${r.output === "" ? "(no output)" : r.output}`,
    }));
    if (m.text?.trim() || out.length === 0)
      out.push({ role: "user", content: m.text?.trim() ? m.text : "(continue)" });
    return out;
  }
  const msg: WireMessage = { role: "assistant", content: m.text || null };
  if (m.toolCalls.length) {
    msg.tool_calls = m.toolCalls.map((c) => ({
      id: c.id,
      type: "function",
      function: { name: c.name, arguments: c.rawInput ?? JSON.stringify(c.input ?? {}) },
    }));
  }
  if (!msg.content && !msg.tool_calls) msg.content = "(no reply)";
  return [msg];
}

function toTextWire(m: Message): WireMessage[] {
  if (m.role === "user") {
    const parts: string[] = [];
    if (m.toolResults?.length) parts.push(renderObservations(m.toolResults));
    if (m.text?.trim()) parts.push(m.text);
    return [{ role: "user", content: parts.join("\n\n") || "(continue)" }];
  }
  // The reply as the model wrote it; calls that are not in the text (history from another
  // provider, a replay) are rendered as action blocks so the model sees the protocol followed.
  let content = m.text;
  if (m.toolCalls.length && !/^ {0,3}(`{3,}|~{3,})\s*action\s*$/m.test(content)) {
    content = [content.trim(), ...m.toolCalls.map(renderActionBlock)].filter(Boolean).join("\n\n");
  }
  return [{ role: "assistant", content: content || "(no reply)" }];
}

const UsageSchema = z
  .object({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).passthrough().nullish(),
  })
  .passthrough();
type WireUsage = z.infer<typeof UsageSchema>;

const CompletionSchema = z
  .object({
    model: z.string().optional(),
    choices: z
      .array(
        z
          .object({
            finish_reason: z.string().nullish(),
            message: z
              .object({
                content: z.string().nullish(),
                tool_calls: z
                  .array(
                    z
                      .object({
                        id: z.string().optional(),
                        function: z
                          .object({ name: z.string(), arguments: z.string().nullish() })
                          .passthrough(),
                      })
                      .passthrough(),
                  )
                  .nullish(),
              })
              .passthrough(),
          })
          .passthrough(),
      )
      .min(1),
    usage: UsageSchema.nullish(),
  })
  .passthrough();

function toUsage(u: WireUsage | null | undefined): Usage {
  const prompt = u?.prompt_tokens ?? 0;
  const cached = Math.min(prompt, u?.prompt_tokens_details?.cached_tokens ?? 0);
  return {
    inputTokens: prompt - cached,
    outputTokens: u?.completion_tokens ?? 0,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

export function normaliseOpenAIStop(reason: string | null | undefined): string {
  switch (reason) {
    case "stop":
      return "end_turn";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "length":
      return "max_tokens";
    default:
      return "other";
  }
}

/** A native tool call from its argument text; anything but a JSON object is a parse error. */
export function toolCallFromArguments(id: string, name: string, args: string | null | undefined): ToolCall {
  const text = args ?? "";
  if (text.trim() === "") return { id, name, input: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      id,
      name,
      input: {},
      rawInput: text,
      parseError: `arguments are not valid JSON: ${(err as Error).message}`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { id, name, input: {}, rawInput: text, parseError: `arguments must be a JSON object, got ${got}` };
  }
  return { id, name, input: value };
}

interface Collected {
  model: string;
  text: string;
  calls: Array<{ id: string; name: string; args: string }>;
  usage: WireUsage | null | undefined;
  finishReason: string | null | undefined;
}

function collectCompletion(body: unknown): Collected {
  const r = CompletionSchema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InfraError(
      `openai: unexpected response body: ${issue ? `${issue.path.join(".")}: ${oneLine(issue.message)}` : "invalid"}`,
    );
  }
  const choice = r.data.choices[0]!;
  return {
    model: r.data.model ?? "",
    text: choice.message.content ?? "",
    calls: (choice.message.tool_calls ?? []).map((c, i) => ({
      id: c.id ?? `call_${i}`,
      name: c.function.name,
      args: c.function.arguments ?? "",
    })),
    usage: r.data.usage,
    finishReason: choice.finish_reason,
  };
}

/** Accumulates chat.completion.chunk events: content deltas, tool-call deltas by index, usage. */
class ChunkCollector {
  model = "";
  text = "";
  finishReason: string | null = null;
  usage: WireUsage | undefined;
  private calls = new Map<number, { id: string; name: string; args: string }>();

  add(chunk: unknown): void {
    if (!isObj(chunk)) return;
    if (typeof chunk.model === "string" && chunk.model) this.model = chunk.model;
    if (isObj(chunk.usage)) {
      const u = UsageSchema.safeParse(chunk.usage);
      if (u.success) this.usage = u.data;
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isObj(choice)) return;
    if (typeof choice.finish_reason === "string") this.finishReason = choice.finish_reason;
    const delta = isObj(choice.delta) ? choice.delta : {};
    if (typeof delta.content === "string") this.text += delta.content;
    if (Array.isArray(delta.tool_calls)) {
      for (const tc of delta.tool_calls) {
        if (!isObj(tc)) continue;
        const index = typeof tc.index === "number" ? tc.index : this.calls.size;
        const acc = this.calls.get(index) ?? { id: "", name: "", args: "" };
        if (typeof tc.id === "string" && tc.id) acc.id = tc.id;
        const fn = isObj(tc.function) ? tc.function : {};
        if (typeof fn.name === "string") acc.name += fn.name;
        if (typeof fn.arguments === "string") acc.args += fn.arguments;
        this.calls.set(index, acc);
      }
    }
  }

  result(): Collected {
    const calls = [...this.calls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, c]) => ({ ...c, id: c.id || `call_${i}` }));
    return { model: this.model, text: this.text, calls, usage: this.usage, finishReason: this.finishReason };
  }
}

export class OpenAIModel implements Model {
  readonly spec: string;
  readonly contextWindow: number;
  private readonly client: OpenAI;
  private readonly customBaseUrl: boolean;
  private readonly baseUrl: string;
  private turn = 0;

  constructor(
    readonly modelName: string,
    readonly mode: OpenAIMode,
    private readonly opts: ResolvedModelOptions,
  ) {
    this.spec = `${mode === "text" ? "openai-text" : "openai"}:${modelName}`;
    this.contextWindow = contextWindowFor("openai", modelName, opts.contextWindow);
    const baseUrl = opts.baseUrl ?? opts.env.OPENAI_BASE_URL;
    this.customBaseUrl = Boolean(baseUrl);
    this.baseUrl = baseUrl ?? "https://api.openai.com/v1";
    // Local servers usually ignore the key; the SDK still needs a value to send.
    const apiKey = opts.apiKey ?? opts.env.OPENAI_API_KEY ?? (baseUrl ? "sk-no-key-required" : undefined);
    if (!apiKey) {
      throw new UsageError(
        `model ${this.spec} needs an API key: set OPENAI_API_KEY (or OPENAI_BASE_URL / --base-url for a local server)`,
      );
    }
    this.client = new OpenAI({
      apiKey,
      baseURL: this.baseUrl,
      timeout: opts.timeoutMs,
      maxRetries: 0,
      logger: sdkLogger(opts.log, "openai-sdk"),
      logLevel: "warn",
    });
  }

  async complete(req: ModelRequest): Promise<ModelResponse> {
    const turn = this.turn++;
    const body = toOpenAIBody(this.modelName, req, this.mode, {
      maxOutputTokens: this.opts.maxOutputTokens,
      temperature: this.opts.temperature,
      legacyMaxTokens: this.customBaseUrl,
    });
    const c = await withRetries((dog) => this.attempt(body, dog), this.opts.timeoutMs, {
      what: `openai ${this.modelName}`,
      policy: retryPolicyOf(this.opts),
      log: this.opts.log,
      signal: req.signal,
      classify: (err) =>
        classifyProviderError(err, {
          provider: "openai",
          keyVariable: "OPENAI_API_KEY",
          endpoint: this.baseUrl,
          sdk: OpenAI,
        }),
    });
    const usage = toUsage(c.usage);
    const model = c.model || this.modelName;
    const priced = pricedModel(this.modelName, model, this.opts.pricing);
    const response: ModelResponse = {
      text: c.text,
      toolCalls: [],
      usage,
      costUsd: costOf(priced, usage, { override: this.opts.pricing, log: this.opts.log }),
      stopReason: normaliseOpenAIStop(c.finishReason),
      model,
    };
    this.opts.log.debug(
      { model, usage, costUsd: response.costUsd, stopReason: response.stopReason, toolCalls: c.calls.length },
      `openai ${this.modelName}: reply`,
    );
    if (this.mode === "native") {
      response.toolCalls = c.calls.map((call) => toolCallFromArguments(call.id, call.name, call.args));
      return response;
    }
    const action = parseTextAction(
      c.text,
      req.tools.map((t) => t.name),
    );
    if (action.ok) {
      response.toolCalls = [{ id: `call_${turn}_0`, name: action.name, input: action.input }];
      // Text-mode replies stop at end of text; report a tool turn like native providers do.
      if (response.stopReason === "end_turn") response.stopReason = "tool_use";
    } else {
      response.formatError = action.error;
    }
    return response;
  }

  private async attempt(body: OpenAIRequestBody, dog: Watchdog): Promise<Collected> {
    type Params = Parameters<OpenAI["chat"]["completions"]["create"]>[0];
    if (!this.opts.stream) {
      const completion = await this.client.chat.completions.create(
        { ...body, stream: false } as unknown as Params,
        {
          signal: dog.signal,
        },
      );
      dog.check();
      return collectCompletion(completion);
    }
    const stream = (await this.client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } } as unknown as Params,
      { signal: dog.signal },
    )) as unknown as AsyncIterable<unknown>;
    const collector = new ChunkCollector();
    for await (const chunk of stream) {
      dog.kick();
      collector.add(chunk);
    }
    dog.check();
    // Every complete stream carries a finish_reason; without one the connection was cut.
    if (!collector.finishReason) throw new IncompleteStreamError("stream ended without a finish_reason");
    return collector.result();
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
