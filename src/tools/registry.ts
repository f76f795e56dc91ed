/**
 * The tool registry: offers the tools to the model as JSON schemas and runs the model's calls.
 * Everything a call can do wrong — an unknown name, arguments that were not JSON, input that
 * fails the schema, an exception inside the tool — becomes an error result here, so the loop
 * never sees a throw. Outputs are bounded (head and tail kept) before they reach the model.
 */
import { z } from "zod";
import { boundOutput, errorMessage } from "../common/index.js";
import type { ToolCall, ToolSpec } from "../model/index.js";
import type { Tool, ToolContext, ToolResultData } from "./types.js";

export interface ToolRegistryOptions {
  /** Longest output shown to the model, in characters (default 10,000). */
  maxOutputChars?: number;
}

export const DEFAULT_MAX_OUTPUT_CHARS = 10_000;

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();
  private readonly maxOutputChars: number;
  private cachedSpecs: ToolSpec[] | undefined;

  constructor(tools: Tool[], options: ToolRegistryOptions = {}) {
    for (const t of tools) {
      if (this.tools.has(t.name)) throw new Error(`duplicate tool name: ${t.name}`);
      this.tools.set(t.name, t);
    }
    this.maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  /** The tools as offered to the model (stable across calls, so prompt caching can hold). */
  specs(): ToolSpec[] {
    this.cachedSpecs ??= [...this.tools.values()].map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: toModelSchema(t.schema),
    }));
    return this.cachedSpecs;
  }

  /** Checks a call without running it: null when it would run, else a one-line reason. */
  validate(call: ToolCall): string | null {
    const checked = this.check(call);
    return checked.ok ? null : checked.error;
  }

  /** Runs a call; never throws. */
  async execute(call: ToolCall, ctx: ToolContext): Promise<ToolResultData> {
    const checked = this.check(call);
    if (!checked.ok) return { output: checked.error, isError: true };
    const { tool, input } = checked;
    if (ctx.signal?.aborted) return { output: "not run: the run was interrupted", isError: true };
    let result: ToolResultData;
    try {
      result = await tool.execute(input, ctx);
    } catch (err) {
      ctx.log.warn({ tool: tool.name, err: errorMessage(err) }, "tool failed");
      return { output: `${tool.name} failed: ${errorMessage(err)}`, isError: true };
    }
    if (result.changedFiles?.length && ctx.graph) {
      try {
        await ctx.graph.update(result.changedFiles);
      } catch (err) {
        // A stale graph is a weaker answer, not a failed call.
        ctx.log.warn({ tool: tool.name, err: errorMessage(err) }, "code graph update failed");
      }
    }
    const output = result.output === "" ? "(no output)" : result.output;
    return { ...result, output: boundOutput(output, { maxChars: this.maxOutputChars }) };
  }

  private check(call: ToolCall): { ok: true; tool: Tool; input: unknown } | { ok: false; error: string } {
    const tool = this.tools.get(call.name);
    if (!tool) {
      return { ok: false, error: `unknown tool "${call.name}"; the tools are: ${this.names().join(", ")}` };
    }
    if (call.parseError !== undefined) {
      const raw = call.rawInput === undefined ? "" : ` (got: ${clip(call.rawInput, 200)})`;
      return {
        ok: false,
        error: `the arguments of ${call.name} were not valid JSON: ${oneLine(call.parseError)}${raw}; send one JSON object`,
      };
    }
    const parsed = tool.schema.safeParse(normalizeInput(call.input));
    if (!parsed.success) return { ok: false, error: describeInputError(tool.name, parsed.error.issues) };
    return { ok: true, tool, input: parsed.data };
  }
}

/**
 * Tolerates two common provider quirks before validation: arguments still encoded as a JSON
 * string, and `null` for an omitted optional field (OpenAI strict-mode habit).
 */
function normalizeInput(input: unknown): unknown {
  let value = input ?? {};
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return value; // fails validation with "expected object"
    }
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
  }
  return value;
}

/** One line naming every offending field (up to five). */
export function describeInputError(
  toolName: string,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): string {
  const parts = issues.slice(0, 5).map((i) => {
    const field = i.path.length ? i.path.map(String).join(".") : "(input)";
    return `${field}: ${oneLine(i.message)}`;
  });
  const more = issues.length > 5 ? `; and ${issues.length - 5} more` : "";
  return `invalid input for ${toolName}: ${parts.join("; ")}${more}`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

function clip(s: string, n: number): string {
  const one = oneLine(s);
  return one.length > n ? `${one.slice(0, n)}…` : one;
}

/**
 * zod → JSON schema as providers accept it: no `$schema`, `additionalProperties: false`, and a
 * top-level object (Anthropic and OpenAI reject a top-level `oneOf`): a discriminated union is
 * flattened into one object whose discriminator is an enum, whose properties are the union of
 * the branches' and whose required fields are those all branches require. The zod schema still
 * validates each branch exactly.
 */
export function toModelSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema) as Record<string, unknown>;
  delete json.$schema;
  const branches = (json.oneOf ?? json.anyOf) as Array<Record<string, unknown>> | undefined;
  const out = branches ? flattenUnion(branches) : json;
  if (out.type === "object" && out.additionalProperties === undefined) out.additionalProperties = false;
  return stripSafeIntegerBounds(out) as Record<string, unknown>;
}

function flattenUnion(branches: Array<Record<string, unknown>>): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  const consts = new Map<string, unknown[]>();
  let required: string[] | undefined;
  for (const b of branches) {
    const props = (b.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [k, v] of Object.entries(props)) {
      if ("const" in v) {
        consts.set(k, [...(consts.get(k) ?? []), v.const]);
        continue;
      }
      properties[k] ??= v;
    }
    const req = (b.required ?? []) as string[];
    required = required ? required.filter((r) => req.includes(r)) : [...req];
  }
  for (const [k, values] of consts) {
    const desc = branches
      .map((b) => (b.properties as Record<string, Record<string, unknown>> | undefined)?.[k]?.description)
      .find((d) => d !== undefined);
    properties[k] = { type: "string", enum: values, ...(desc ? { description: desc } : {}) };
  }
  // The discriminator goes first, as the model reads it first.
  const ordered: Record<string, unknown> = {};
  for (const k of consts.keys()) ordered[k] = properties[k];
  for (const [k, v] of Object.entries(properties)) if (!consts.has(k)) ordered[k] = v;
  return { type: "object", properties: ordered, required: required ?? [], additionalProperties: false };
}

/** zod writes ±2^53-1 bounds on every integer; they are noise to a model. */
function stripSafeIntegerBounds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripSafeIntegerBounds);
  if (!v || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if ((k === "minimum" || k === "maximum") && Math.abs(Number(x)) === Number.MAX_SAFE_INTEGER) continue;
    out[k] = stripSafeIntegerBounds(x);
  }
  return out;
}
