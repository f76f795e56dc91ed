/**
 * The scripted model: replies from a file of turns (YAML or JSON), for tests, budgets and the
 * demo. Each `complete` returns the next turn; `loop: true` cycles forever, otherwise running out
 * throws `ScriptExhaustedError`. A turn's `raw` text goes through the text protocol parser, so
 * format errors can be scripted too. Tool call ids are deterministic: `call_<turn>_<i>`.
 *
 *   turns:
 *     - text: Let me look at the failing test.
 *       tool_calls:
 *         - name: bash
 *           input: { command: "pytest -x" }
 *       usage: { input_tokens: 1200, output_tokens: 40 }
 *       cost_usd: 0.01
 *     - raw: "```action\n{\"tool\": \"submit\", \"input\": {}}\n```"
 *   loop: false
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeZodError, errorMessage, UsageError } from "../common/index.js";
import { ScriptExhaustedError } from "./errors.js";
import { parseTextAction } from "./text-protocol.js";
import type { Model, ModelRequest, ModelResponse, ToolCall } from "./types.js";

export const ScriptedTurnSchema = z
  .object({
    text: z.string().optional(),
    tool_calls: z
      .array(
        z.object({ name: z.string().min(1), input: z.record(z.string(), z.unknown()).default({}) }).strict(),
      )
      .optional(),
    usage: z
      .object({ input_tokens: z.number().int().nonnegative(), output_tokens: z.number().int().nonnegative() })
      .strict()
      .optional(),
    cost_usd: z.number().nonnegative().optional(),
    /** A raw text reply, parsed with the text protocol (may carry a deliberate format error). */
    raw: z.string().optional(),
  })
  .strict()
  .refine((t) => t.text !== undefined || t.tool_calls !== undefined || t.raw !== undefined, {
    message: "a turn needs text, tool_calls or raw",
  })
  .refine((t) => !(t.raw !== undefined && (t.text !== undefined || t.tool_calls !== undefined)), {
    message: "raw replaces text and tool_calls; give one or the other",
  });

export const ScriptSchema = z
  .object({
    turns: z.array(ScriptedTurnSchema).min(1, "the script needs at least one turn"),
    loop: z.boolean().default(false),
  })
  .strict();

export type ScriptedTurn = z.input<typeof ScriptedTurnSchema>;
export type Script = z.input<typeof ScriptSchema>;

export interface ScriptedOptions {
  loop?: boolean;
  contextWindow?: number;
  spec?: string;
}

export class ScriptedModel implements Model {
  readonly spec: string;
  readonly contextWindow: number;
  private readonly turns: z.output<typeof ScriptedTurnSchema>[];
  private readonly loop: boolean;
  private next = 0;

  constructor(script: Script, opts: ScriptedOptions = {}) {
    const parsed = ScriptSchema.safeParse(script);
    if (!parsed.success) throw new UsageError(describeZodError("scripted model", parsed.error.issues));
    this.turns = parsed.data.turns;
    this.loop = opts.loop ?? parsed.data.loop;
    this.spec = opts.spec ?? "scripted:(inline)";
    this.contextWindow = opts.contextWindow ?? 200_000;
  }

  /** Turns used so far. */
  get used(): number {
    return this.next;
  }

  async complete(req: ModelRequest): Promise<ModelResponse> {
    req.signal?.throwIfAborted();
    const n = this.next;
    if (n >= this.turns.length && !this.loop) throw new ScriptExhaustedError(this.turns.length);
    const turn = this.turns[n % this.turns.length]!;
    this.next++;
    const usage = {
      inputTokens: turn.usage?.input_tokens ?? 0,
      outputTokens: turn.usage?.output_tokens ?? 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    const base = { usage, costUsd: turn.cost_usd ?? 0, model: "scripted" };
    if (turn.raw !== undefined) {
      const action = parseTextAction(
        turn.raw,
        req.tools.map((t) => t.name),
      );
      if (!action.ok)
        return { ...base, text: turn.raw, toolCalls: [], stopReason: "end_turn", formatError: action.error };
      return {
        ...base,
        text: turn.raw,
        toolCalls: [{ id: `call_${n}_0`, name: action.name, input: action.input }],
        stopReason: "tool_use",
      };
    }
    const toolCalls: ToolCall[] = (turn.tool_calls ?? []).map((c, i) => ({
      id: `call_${n}_${i}`,
      name: c.name,
      input: structuredClone(c.input),
    }));
    return {
      ...base,
      text: turn.text ?? "",
      toolCalls,
      stopReason: toolCalls.length ? "tool_use" : "end_turn",
    };
  }
}

/** A scripted model from turns in memory (tests). */
export function scriptedModelFromTurns(turns: ScriptedTurn[], opts: ScriptedOptions = {}): ScriptedModel {
  return new ScriptedModel({ turns }, opts);
}

/** Loads a script file (`.json`, or YAML for anything else); errors are one line naming the field. */
export async function loadScriptedModel(
  path: string,
  opts: Omit<ScriptedOptions, "spec"> = {},
): Promise<ScriptedModel> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`scripted model: cannot read ${path}: ${errorMessage(err)}`);
  }
  let data: unknown;
  try {
    // JSON is YAML, but JSON.parse gives better messages for .json files.
    data = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(
      `scripted model ${path}: not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${oneLine(errorMessage(err))}`,
    );
  }
  const parsed = ScriptSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(describeZodError(`scripted model ${path}`, parsed.error.issues));
  return new ScriptedModel(parsed.data, { ...opts, spec: `scripted:${path}` });
}

function oneLine(s: string): string {
  return s.split("\n")[0]!.trim();
}
