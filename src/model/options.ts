/**
 * Options shared by every provider, validated with zod. `ModelOptions` is what callers pass
 * (defaults optional); `ResolvedModelOptions` is what providers receive.
 */
import { z } from "zod";
import { describeZodError, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import { PricingOverrideSchema } from "./pricing.js";

const isLogger = (v: unknown): v is Logger =>
  typeof v === "object" && v !== null && typeof (v as { warn?: unknown }).warn === "function";

export const ModelOptionsSchema = z
  .object({
    /** Provider base URL (a local vLLM / Ollama / llama.cpp server, or a proxy). */
    baseUrl: z.url().optional(),
    /** API key; defaults to ANTHROPIC_API_KEY / OPENAI_API_KEY from `env`. */
    apiKey: z.string().optional(),
    /** Per-attempt timeout: no response (or, streaming, no event) for this long aborts the attempt. */
    timeoutMs: z.number().int().positive().default(600_000),
    /** Retries after the first attempt on 429, 529, 5xx, connection errors and timeouts. */
    maxRetries: z.number().int().min(0).default(6),
    /** First backoff delay (doubling, with jitter). Tests set it low. */
    retryBaseMs: z.number().min(0).default(1_000),
    /** Cap on one backoff delay. */
    retryMaxMs: z.number().min(0).default(60_000),
    /** Cap on a server-requested `retry-after` delay. */
    maxRetryAfterMs: z.number().min(0).default(300_000),
    /** User price table, USD per million tokens; wins over the built-in one. */
    pricing: PricingOverrideSchema.optional(),
    log: z.custom<Logger>(isLogger, { message: "expected a pino logger" }).optional(),
    /** Context window in tokens; overrides the per-model default. */
    contextWindow: z.number().int().positive().optional(),
    /** Output token cap per turn when the request does not set one. */
    maxOutputTokens: z.number().int().positive().optional(),
    /** Stream responses (SSE) — the default — or use plain JSON responses. */
    stream: z.boolean().default(true),
    /** Anthropic prompt caching (`cache_control` breakpoints). */
    promptCaching: z.boolean().default(true),
    temperature: z.number().min(0).max(2).optional(),
    /** Environment to read keys and base URLs from; defaults to `process.env`. */
    env: z.record(z.string(), z.string().optional()).optional(),
  })
  .strict();

export type ModelOptions = z.input<typeof ModelOptionsSchema>;
export type ResolvedModelOptions = Omit<z.output<typeof ModelOptionsSchema>, "log" | "env"> & {
  log: Logger;
  env: Record<string, string | undefined>;
};

export function resolveModelOptions(options: ModelOptions = {}): ResolvedModelOptions {
  const r = ModelOptionsSchema.safeParse(options);
  if (!r.success) throw new UsageError(describeZodError("model options", r.error.issues));
  return { ...r.data, log: r.data.log ?? silentLogger, env: r.data.env ?? process.env };
}
