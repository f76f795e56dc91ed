/**
 * Prices and context windows of known models, a user override table, and `costOf`.
 *
 * Prices are USD per million tokens. Usage semantics are the same for every provider (see
 * `Usage`): `inputTokens` are uncached prompt tokens, `cacheReadTokens` were served from the
 * cache, `cacheWriteTokens` were written to it, so cost is a plain sum of four products.
 * Unknown models cost 0 and a warning is logged once per model — a missing price must never
 * stop a run.
 */
import { z } from "zod";
import { describeZodError, UsageError } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type { Usage } from "./types.js";

export interface ModelPrice {
  /** USD per million uncached input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million tokens written to the prompt cache. */
  cacheWrite: number;
  /** USD per million tokens read from the prompt cache. */
  cacheRead: number;
}

/** Anthropic: cache writes (5-minute TTL) cost 1.25× input, cache reads 0.1× input. */
function anthropic(input: number, output: number): ModelPrice {
  return { input, output, cacheWrite: round(input * 1.25), cacheRead: round(input * 0.1) };
}

/** OpenAI: no cache-write premium; cached input has its own price. */
function openai(input: number, output: number, cacheRead: number): ModelPrice {
  return { input, output, cacheWrite: input, cacheRead };
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** Known list prices (standard tier, prompts up to 200k tokens). */
export const DEFAULT_PRICING: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-4-5": anthropic(5, 25),
  "claude-opus-4-1": anthropic(15, 75),
  "claude-opus-4": anthropic(15, 75),
  "claude-sonnet-4-5": anthropic(3, 15),
  "claude-sonnet-4": anthropic(3, 15),
  "claude-3-7-sonnet": anthropic(3, 15),
  "claude-3-5-sonnet": anthropic(3, 15),
  "claude-haiku-4-5": anthropic(1, 5),
  "claude-3-5-haiku": anthropic(0.8, 4),
  "claude-3-opus": anthropic(15, 75),
  "claude-3-haiku": anthropic(0.25, 1.25),
  "gpt-5": openai(1.25, 10, 0.125),
  "gpt-5-mini": openai(0.25, 2, 0.025),
  "gpt-5-nano": openai(0.05, 0.4, 0.005),
  "gpt-4.1": openai(2, 8, 0.5),
  "gpt-4.1-mini": openai(0.4, 1.6, 0.1),
  "gpt-4.1-nano": openai(0.1, 0.4, 0.025),
  "gpt-4o": openai(2.5, 10, 1.25),
  "gpt-4o-mini": openai(0.15, 0.6, 0.075),
  o3: openai(2, 8, 0.5),
  "o4-mini": openai(1.1, 4.4, 0.275),
};

/** Context windows in tokens of known models; unknown ones get a provider default. */
const CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  "gpt-5": 400_000,
  "gpt-5-mini": 400_000,
  "gpt-5-nano": 400_000,
  "gpt-4.1": 1_047_576,
  "gpt-4.1-mini": 1_047_576,
  "gpt-4.1-nano": 1_047_576,
  "gpt-4o": 128_000,
  "gpt-4o-mini": 128_000,
  o3: 200_000,
  "o4-mini": 200_000,
};

export const DEFAULT_CONTEXT_WINDOW = { anthropic: 200_000, openai: 128_000, other: 200_000 } as const;

/** The user's price table: `{ "<model>": { input, output, cacheRead?, cacheWrite? } }`, per million. */
export const PricingOverrideSchema = z.record(
  z.string().min(1),
  z
    .object({
      input: z.number().nonnegative(),
      output: z.number().nonnegative(),
      cacheRead: z.number().nonnegative().optional(),
      cacheWrite: z.number().nonnegative().optional(),
    })
    .strict(),
);
export type PricingOverride = z.infer<typeof PricingOverrideSchema>;

/** Validates a user pricing table (from a config file); a one-line `UsageError` names the field. */
export function parsePricingOverride(value: unknown, what = "pricing"): PricingOverride {
  const r = PricingOverrideSchema.safeParse(value);
  if (!r.success) throw new UsageError(describeZodError(what, r.error.issues));
  return r.data;
}

/**
 * Candidate ids for a model name, most specific first: as given, without a routing prefix
 * (`anthropic/…`, `anthropic.…`), and without a version suffix (`-20250929`, `-2024-08-06`,
 * `@20250929`, `-latest`, `-v1:0`).
 */
export function modelIdCandidates(model: string): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    if (s && !out.includes(s)) out.push(s);
  };
  let id = model.trim().toLowerCase();
  add(id);
  id = id.slice(id.lastIndexOf("/") + 1);
  id = id.replace(/^(anthropic|openai)\./, "");
  add(id);
  for (;;) {
    const next = id
      .replace(/-v\d+(:\d+)?$/, "")
      .replace(/[-@](\d{8}|\d{4}-\d{2}-\d{2})$/, "")
      .replace(/-latest$/, "");
    if (next === id) break;
    id = next;
    add(id);
  }
  return out;
}

/** The price of a model: the user's override first, then the built-in table. */
export function findPricing(model: string, override?: PricingOverride): ModelPrice | undefined {
  const candidates = modelIdCandidates(model);
  if (override) {
    const lower = new Map(Object.entries(override).map(([k, v]) => [k.trim().toLowerCase(), v]));
    for (const c of candidates) {
      const o = lower.get(c);
      if (o) {
        return {
          input: o.input,
          output: o.output,
          cacheRead: o.cacheRead ?? o.input,
          cacheWrite: o.cacheWrite ?? o.input,
        };
      }
    }
  }
  for (const c of candidates) {
    const p = DEFAULT_PRICING[c];
    if (p) return p;
  }
  return undefined;
}

/**
 * Which name to price a call by: the requested model, or the one that answered when only that
 * one has a known price (an alias resolved by the server).
 */
export function pricedModel(requested: string, answered: string, override?: PricingOverride): string {
  if (findPricing(requested, override) || !answered) return requested;
  return findPricing(answered, override) ? answered : requested;
}

const warned = new Set<string>();

export interface CostOptions {
  override?: PricingOverride;
  /** Where the once-per-model warning for unknown models goes. */
  log?: Logger;
}

/** USD cost of one call; 0 (and a warning, once per model) when the model has no known price. */
export function costOf(model: string, usage: Usage, opts: CostOptions = {}): number {
  const price = findPricing(model, opts.override);
  if (!price) {
    if (!warned.has(model)) {
      warned.add(model);
      opts.log?.warn(
        { model },
        `no price known for model "${model}"; its cost is counted as 0 (add it to the pricing table to fix)`,
      );
    }
    return 0;
  }
  const usd =
    (usage.inputTokens * price.input +
      usage.outputTokens * price.output +
      usage.cacheReadTokens * price.cacheRead +
      usage.cacheWriteTokens * price.cacheWrite) /
    1_000_000;
  return Math.round(usd * 1e9) / 1e9;
}

/** Forgets which unknown models were already warned about (tests). */
export function resetPricingWarnings(): void {
  warned.clear();
}

/** Context window of a model: the user's value, the known table, then the provider default. */
export function contextWindowFor(
  provider: "anthropic" | "openai" | "other",
  model: string,
  configured?: number,
): number {
  if (configured) return configured;
  for (const c of modelIdCandidates(model)) {
    const w = CONTEXT_WINDOWS[c];
    if (w) return w;
  }
  return DEFAULT_CONTEXT_WINDOW[provider];
}
