/**
 * The text protocol for models without native tool calling: the tool specs and a strict reply
 * format are appended to the system prompt, and every reply must hold exactly one fenced block
 *
 *     ```action
 *     {"tool": "<name>", "input": { ... }}
 *     ```
 *
 * `parseTextAction` is strict on purpose: anything else is a format error whose message says
 * precisely what was wrong, so the re-ask tells the model how to fix it.
 */
import type { ToolCall, ToolResult, ToolSpec } from "./types.js";

export const TEXT_PROTOCOL_INSTRUCTIONS = `# How to act

You act by calling tools. You cannot call them natively: instead, end every reply with exactly one
fenced block whose info string is \`action\`, holding one JSON object with two keys — "tool", the
name of a tool below, and "input", an object matching that tool's input schema:

\`\`\`action
{"tool": "<tool name>", "input": {"<parameter>": "<value>"}}
\`\`\`

Rules:
- Exactly one \`\`\`action block per reply: not zero, not two. To do several things, do them one reply at a time.
- The block must contain strict JSON (double quotes, no comments, no trailing commas); escape
  newlines inside strings as \\n.
- You may think out loud before the block. Write nothing after it: the result of the action comes
  back in the next message, starting with "Observation of <tool>:".
- Use only the tools listed below.`;

/** Renders the protocol and the tool list, to be appended to the system prompt. */
export function renderTextProtocol(tools: ToolSpec[]): string {
  const parts = [TEXT_PROTOCOL_INSTRUCTIONS, "", "# Tools"];
  if (tools.length === 0) parts.push("", "(no tools are available)");
  for (const t of tools) {
    parts.push(
      "",
      `## ${t.name}`,
      "",
      t.description.trim(),
      "",
      "Input schema (JSON Schema):",
      "```json",
      JSON.stringify(t.inputSchema, null, 2),
      "```",
    );
  }
  return parts.join("\n");
}

export type TextActionResult =
  | { ok: true; name: string; input: Record<string, unknown> }
  | { ok: false; error: string };

interface Fence {
  info: string;
  body: string;
  closed: boolean;
  line: number;
}

/** Splits text into its fenced code blocks (``` or ~~~, three or more, CommonMark-style). */
function fencedBlocks(text: string): Fence[] {
  const lines = text.split(/\r?\n/);
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const info = open[2]!.toLowerCase();
    const close = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) body.push(lines[j]!);
    out.push({ info, body: body.join("\n"), closed: j < lines.length, line: i + 1 });
    i = j;
  }
  return out;
}

const SHAPE = `{"tool": "<name>", "input": {...}}`;

/** Parses the one action of a text-mode reply, strictly. */
export function parseTextAction(text: string, toolNames: readonly string[]): TextActionResult {
  const known = toolNames.length ? toolNames.join(", ") : "(none)";
  const blocks = fencedBlocks(text);
  const actions = blocks.filter((b) => b.info === "action");
  if (actions.length === 0) {
    const near = blocks.find((b) => /"tool"\s*:/.test(b.body));
    const hint = near
      ? ` (a block fenced as \`\`\`${near.info || "(no language)"} at line ${near.line} looks like an action: fence it as \`\`\`action)`
      : "";
    return {
      ok: false,
      error: `Your reply has no \`\`\`action block${hint}. End every reply with exactly one \`\`\`action block holding ${SHAPE}.`,
    };
  }
  if (actions.length > 1) {
    return {
      ok: false,
      error: `Your reply has ${actions.length} \`\`\`action blocks (at lines ${actions.map((a) => a.line).join(", ")}); exactly one is allowed per reply — send one action, wait for its observation, then the next.`,
    };
  }
  const block = actions[0]!;
  if (!block.closed) {
    return {
      ok: false,
      error: `The \`\`\`action block opened at line ${block.line} is never closed; end it with a line holding only \`\`\`.`,
    };
  }
  const body = block.body.trim();
  if (!body) return { ok: false, error: `The \`\`\`action block is empty; it must hold ${SHAPE}.` };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return {
      ok: false,
      error: `The \`\`\`action block is not valid JSON (${(err as Error).message}); it must hold exactly one JSON object ${SHAPE}.`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: `The \`\`\`action block holds ${describe(value)}, not a JSON object; it must hold ${SHAPE}.`,
    };
  }
  const obj = value as Record<string, unknown>;
  const extra = Object.keys(obj).filter((k) => k !== "tool" && k !== "input");
  if (extra.length) {
    return {
      ok: false,
      error: `The action object has unexpected key${extra.length > 1 ? "s" : ""} ${extra.map((k) => JSON.stringify(k)).join(", ")}; only "tool" and "input" are allowed — put tool parameters inside "input".`,
    };
  }
  if (typeof obj.tool !== "string" || obj.tool.trim() === "") {
    return {
      ok: false,
      error: `The action object needs "tool": a string naming one of: ${known}.`,
    };
  }
  if (!toolNames.includes(obj.tool)) {
    return { ok: false, error: `Unknown tool "${obj.tool}"; the available tools are: ${known}.` };
  }
  if (!("input" in obj)) {
    return {
      ok: false,
      error: `The action object needs "input": an object of the parameters of "${obj.tool}" ({} when it takes none).`,
    };
  }
  const input = obj.input;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      error: `"input" must be a JSON object of the parameters of "${obj.tool}", not ${describe(input)}.`,
    };
  }
  return { ok: true, name: obj.tool, input: input as Record<string, unknown> };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

/** Renders tool calls as action blocks (history written by another provider, or a replay). */
export function renderActionBlock(call: Pick<ToolCall, "name" | "input">): string {
  return `\`\`\`action\n${JSON.stringify({ tool: call.name, input: call.input ?? {} })}\n\`\`\``;
}

/** The user-message text that carries tool results back in text mode. */
export function renderObservations(results: ToolResult[]): string {
  return results
    .map(
      (r) =>
        `Observation of ${r.name}${r.isError ? " (error)" : ""}:\n${r.output === "" ? "(no output)" : r.output}`,
    )
    .join("\n\n");
}
