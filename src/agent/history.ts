/**
 * Keeps the conversation under the model's context window. Older tool outputs are elided first —
 * oldest first, never the most recent turns and never the observations of edits (the model's
 * record of what it changed) — and the model is told how many were elided.
 */
import type { Message, ToolSpec } from "../model/index.js";

/** Rough token estimate (≈4 characters a token for code and English). */
export function estimateTokens(system: string, messages: Message[], tools: ToolSpec[]): number {
  let chars = system.length + JSON.stringify(tools).length;
  for (const m of messages) {
    if (m.role === "assistant") {
      chars += m.text.length;
      for (const c of m.toolCalls)
        chars += c.name.length + JSON.stringify(c.input ?? c.rawInput ?? "").length;
    } else {
      chars += m.text?.length ?? 0;
      for (const r of m.toolResults ?? []) chars += r.output.length + 20;
    }
  }
  return Math.ceil(chars / 4);
}

const ELIDED_PREFIX = "[output elided to save context";
/** Tools whose observations are never elided: they are the record of what was changed. */
const KEPT_TOOLS = new Set(["editor", "plan", "submit"]);

export interface CompactionResult {
  /** How many outputs this call elided. */
  elided: number;
  /** Token estimate after compaction. */
  tokens: number;
}

/**
 * Elides old tool outputs in place until the estimate is under `limitTokens`, keeping the last
 * `keepRecent` user messages intact.
 */
export function compactHistory(
  system: string,
  messages: Message[],
  tools: ToolSpec[],
  limitTokens: number,
  keepRecent = 3,
): CompactionResult {
  let tokens = estimateTokens(system, messages, tools);
  let elided = 0;
  if (tokens <= limitTokens) return { elided, tokens };
  const userIdx = messages.flatMap((m, i) => (m.role === "user" ? [i] : []));
  const eligible = userIdx.slice(1, Math.max(1, userIdx.length - keepRecent)); // never the instance message
  for (const i of eligible) {
    const m = messages[i];
    if (m?.role !== "user" || !m.toolResults) continue;
    for (const r of m.toolResults) {
      if (KEPT_TOOLS.has(r.name) || r.output.startsWith(ELIDED_PREFIX) || r.output.length < 200) continue;
      const saved = r.output.length;
      r.output = `${ELIDED_PREFIX}: ${saved} characters]`;
      elided++;
      tokens -= Math.floor((saved - r.output.length) / 4);
      if (tokens <= limitTokens) return { elided, tokens };
    }
  }
  return { elided, tokens: estimateTokens(system, messages, tools) };
}
