/**
 * Anthropic Messages API through `@anthropic-ai/sdk`: native tool use, prompt caching, SSE
 * streaming (or plain JSON), usage with cache reads/writes, cost, and our own retry loop.
 *
 * Caching: breakpoints (`cache_control: ephemeral`, at most 4) on the last tool, on the system
 * prompt, and on the last block of the two most recent user messages — the newest one writes
 * the growing prefix, the previous one guarantees a cache read even when the last turn added
 * more blocks than the API's look-back window.
 */
import Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import { InfraError, UsageError } from "../common/index.js";
import { classifyProviderError, IncompleteStreamError } from "./errors.js";
import type { ResolvedModelOptions } from "./options.js";
import { contextWindowFor, costOf, pricedModel } from "./pricing.js";
import { oneLine, retryPolicyOf, sdkLogger, type Watchdog, withRetries } from "./retry.js";
import type { Message, Model, ModelRequest, ModelResponse, ToolCall, Usage } from "./types.js";

const DEFAULT_MAX_OUTPUT_TOKENS = 8192;
const CACHE = { type: "ephemeral" } as const;

type CacheControl = { cache_control?: typeof CACHE };
type WireBlock =
  | ({ type: "text"; text: string } & CacheControl)
  | ({ type: "tool_use"; id: string; name: string; input: unknown } & CacheControl)
  | ({ type: "tool_result"; tool_use_id: string; content: string; is_error?: boolean } & CacheControl);
interface WireMessage {
  role: "user" | "assistant";
  content: WireBlock[];
}
interface WireTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
  cache_control?: typeof CACHE;
}
export interface AnthropicRequestBody {
  model: string;
  max_tokens: number;
  system?: Array<{ type: "text"; text: string } & CacheControl>;
  messages: WireMessage[];
  tools?: WireTool[];
  temperature?: number;
  stream?: boolean;
}

/** Translates a provider-neutral request to a Messages API body (without `stream`). */
export function toAnthropicBody(
  model: string,
  req: ModelRequest,
  opts: { maxOutputTokens?: number; promptCaching?: boolean; temperature?: number } = {},
): AnthropicRequestBody {
  const caching = opts.promptCaching ?? true;
  const body: AnthropicRequestBody = {
    model,
    max_tokens: req.maxOutputTokens ?? opts.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
    messages: req.messages.map(toWireMessage),
  };
  if (opts.temperature !== undefined) body.temperature = opts.temperature;
  if (req.system.trim()) {
    body.system = [{ type: "text", text: req.system, ...(caching ? { cache_control: CACHE } : {}) }];
  }
  if (req.tools.length) {
    body.tools = req.tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.inputSchema,
    }));
    if (caching) body.tools[body.tools.length - 1]!.cache_control = CACHE;
  }
  if (caching) {
    // Two moving breakpoints on the most recent user messages (2 more; 4 is the API's maximum).
    let placed = 0;
    for (let i = body.messages.length - 1; i >= 0 && placed < 2; i--) {
      const m = body.messages[i]!;
      if (m.role !== "user") continue;
      const last = m.content[m.content.length - 1];
      if (last) {
        last.cache_control = CACHE;
        placed++;
      }
    }
  }
  return body;
}

function toWireMessage(m: Message): WireMessage {
  if (m.role === "user") {
    const content: WireBlock[] = (m.toolResults ?? []).map((r) => ({
      type: "tool_result",
      tool_use_id: r.toolCallId,
      content: r.output === "" ? "(no output)" : r.output,
      ...(r.isError ? { is_error: true } : {}),
    }));
    if (m.text?.trim()) content.push({ type: "text", text: m.text });
    if (content.length === 0) content.push({ type: "text", text: "(continue)" });
    return { role: "user", content };
  }
  const content: WireBlock[] = [];
  if (m.text.trim()) content.push({ type: "text", text: m.text });
  for (const c of m.toolCalls) {
    // The API wants an object; a call whose input failed to parse is replayed as {}.
    content.push({ type: "tool_use", id: c.id, name: c.name, input: isPlainObject(c.input) ? c.input : {} });
  }
  if (content.length === 0) content.push({ type: "text", text: "(no reply)" });
  return { role: "assistant", content };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Lenient schemas of what comes back: only the fields we use, everything else passes.
const UsageSchema = z
  .object({
    input_tokens: z.number().nullish(),
    output_tokens: z.number().nullish(),
    cache_read_input_tokens: z.number().nullish(),
    cache_creation_input_tokens: z.number().nullish(),
  })
  .passthrough();
const BlockSchema = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    id: z.string().optional(),
    name: z.string().optional(),
    input: z.unknown().optional(),
  })
  .passthrough();
const MessageSchema = z
  .object({
    model: z.string().optional(),
    content: z.array(BlockSchema),
    stop_reason: z.string().nullish(),
    usage: UsageSchema.optional(),
  })
  .passthrough();
type WireUsage = z.infer<typeof UsageSchema>;

function toUsage(u: WireUsage | undefined): Usage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
  };
}

export function normaliseAnthropicStop(reason: string | null | undefined): string {
  switch (reason) {
    case "end_turn":
    case "tool_use":
    case "max_tokens":
      return reason;
    case "stop_sequence":
      return "stop";
    default:
      return "other";
  }
}

/** A tool call from its JSON text (streamed) or its decoded value (JSON response). */
export function toolCallFrom(id: string, name: string, raw: { json: string } | { value: unknown }): ToolCall {
  let value: unknown;
  let rawText: string;
  if ("json" in raw) {
    rawText = raw.json;
    // The API streams no delta at all for a tool called without arguments.
    if (raw.json.trim() === "") return { id, name, input: {} };
    try {
      value = JSON.parse(raw.json);
    } catch (err) {
      return {
        id,
        name,
        input: {},
        rawInput: raw.json,
        parseError: `input is not valid JSON: ${(err as Error).message}`,
      };
    }
  } else {
    value = raw.value;
    rawText = typeof value === "string" ? value : JSON.stringify(value ?? null);
  }
  if (!isPlainObject(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { id, name, input: {}, rawInput: rawText, parseError: `input must be a JSON object, got ${got}` };
  }
  return { id, name, input: value };
}

interface Collected {
  model: string;
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  stopReason: string;
}

/** Accumulates the raw event stream into a message, as the Messages API documents it. */
class StreamCollector {
  model = "";
  usage: WireUsage = {};
  stopReason: string | null = null;
  stopped = false;
  private blocks = new Map<number, { type: string; text: string; id: string; name: string; json: string }>();

  add(ev: unknown): void {
    if (!isPlainObject(ev)) return;
    switch (ev.type) {
      case "message_start": {
        const m = isPlainObject(ev.message) ? ev.message : {};
        if (typeof m.model === "string") this.model = m.model;
        this.mergeUsage(m.usage);
        break;
      }
      case "content_block_start": {
        const b = isPlainObject(ev.content_block) ? ev.content_block : {};
        this.blocks.set(Number(ev.index), {
          type: String(b.type),
          text: typeof b.text === "string" ? b.text : "",
          id: typeof b.id === "string" ? b.id : "",
          name: typeof b.name === "string" ? b.name : "",
          json: "",
        });
        break;
      }
      case "content_block_delta": {
        const b = this.blocks.get(Number(ev.index));
        const d = isPlainObject(ev.delta) ? ev.delta : {};
        if (!b) break;
        if (d.type === "text_delta" && typeof d.text === "string") b.text += d.text;
        else if (d.type === "input_json_delta" && typeof d.partial_json === "string")
          b.json += d.partial_json;
        break;
      }
      case "message_delta": {
        const d = isPlainObject(ev.delta) ? ev.delta : {};
        if (typeof d.stop_reason === "string") this.stopReason = d.stop_reason;
        this.mergeUsage(ev.usage);
        break;
      }
      case "message_stop":
        this.stopped = true;
        break;
    }
  }

  /** message_delta usage is cumulative; its non-null fields replace message_start's. */
  private mergeUsage(u: unknown): void {
    const parsed = UsageSchema.safeParse(u);
    if (!parsed.success) return;
    for (const [k, v] of Object.entries(parsed.data)) {
      if (typeof v === "number") (this.usage as Record<string, unknown>)[k] = v;
    }
  }

  result(): Collected {
    const ordered = [...this.blocks.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
    return {
      model: this.model,
      text: ordered
        .filter((b) => b.type === "text")
        .map((b) => b.text)
        .join(""),
      toolCalls: ordered
        .filter((b) => b.type === "tool_use")
        .map((b) => toolCallFrom(b.id, b.name, { json: b.json })),
      usage: toUsage(this.usage),
      stopReason: normaliseAnthropicStop(this.stopReason),
    };
  }
}

function collectMessage(body: unknown): Collected {
  const r = MessageSchema.safeParse(body);
  if (!r.success) {
    throw new InfraError(
      `anthropic: unexpected response body: ${oneLine(r.error.issues[0]?.message ?? "invalid")}`,
    );
  }
  const m = r.data;
  return {
    model: m.model ?? "",
    text: m.content
      .filter((b) => b.type === "text")
      .map((b) => b.text ?? "")
      .join(""),
    toolCalls: m.content
      .filter((b) => b.type === "tool_use")
      .map((b) => toolCallFrom(b.id ?? "", b.name ?? "", { value: b.input })),
    usage: toUsage(m.usage),
    stopReason: normaliseAnthropicStop(m.stop_reason),
  };
}

export class AnthropicModel implements Model {
  readonly spec: string;
  readonly contextWindow: number;
  private readonly client: Anthropic;

  constructor(
    readonly modelName: string,
    private readonly opts: ResolvedModelOptions,
  ) {
    this.spec = `anthropic:${modelName}`;
    this.contextWindow = contextWindowFor("anthropic", modelName, opts.contextWindow);
    const apiKey = opts.apiKey ?? opts.env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      throw new UsageError(
        `model ${this.spec} needs an API key: set ANTHROPIC_API_KEY (or use --model scripted:<file> to run without one)`,
      );
    }
    this.client = new Anthropic({
      apiKey,
      baseURL: opts.baseUrl ?? opts.env.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com",
      timeout: opts.timeoutMs,
      maxRetries: 0,
      logger: sdkLogger(opts.log, "anthropic-sdk"),
      logLevel: "warn",
    });
  }

  async complete(req: ModelRequest): Promise<ModelResponse> {
    const body = toAnthropicBody(this.modelName, req, this.opts);
    const what = `anthropic ${this.modelName}`;
    const collected = await withRetries((dog) => this.attempt(body, dog), this.opts.timeoutMs, {
      what,
      policy: retryPolicyOf(this.opts),
      log: this.opts.log,
      signal: req.signal,
      classify: (err) =>
        classifyProviderError(err, {
          provider: "anthropic",
          keyVariable: "ANTHROPIC_API_KEY",
          sdk: Anthropic,
        }),
    });
    const model = collected.model || this.modelName;
    const priced = pricedModel(this.modelName, model, this.opts.pricing);
    const costUsd = costOf(priced, collected.usage, { override: this.opts.pricing, log: this.opts.log });
    this.opts.log.debug(
      {
        model,
        usage: collected.usage,
        costUsd,
        stopReason: collected.stopReason,
        toolCalls: collected.toolCalls.length,
      },
      `${what}: reply`,
    );
    return {
      text: collected.text,
      toolCalls: collected.toolCalls,
      usage: collected.usage,
      costUsd,
      stopReason: collected.stopReason,
      model,
    };
  }

  private async attempt(body: AnthropicRequestBody, dog: Watchdog): Promise<Collected> {
    // `client.post` rather than `messages.create`: the same request, without the SDK printing a
    // console warning on every call for models it considers deprecated.
    if (!this.opts.stream) {
      const msg = await this.client.post<unknown>("/v1/messages", {
        body: { ...body, stream: false },
        signal: dog.signal,
      });
      dog.check();
      return collectMessage(msg);
    }
    const stream = await this.client.post<AsyncIterable<unknown>>("/v1/messages", {
      body: { ...body, stream: true },
      stream: true,
      signal: dog.signal,
    });
    const collector = new StreamCollector();
    for await (const ev of stream) {
      dog.kick();
      collector.add(ev);
    }
    dog.check();
    if (!collector.stopped) throw new IncompleteStreamError("stream ended before message_stop");
    return collector.result();
  }
}
