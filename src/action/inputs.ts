/**
 * The Action's inputs: read from the runner's environment (`INPUT_*`), validated with zod, and
 * turned into typed values. A bad input is a one-line UsageError naming it.
 */
import { z } from "zod";
import { describeZodError, parseDuration, UsageError } from "../common/index.js";
import { registerSecret } from "../log/index.js";

export const DEFAULT_MAX_COST_USD = 2;
export const DEFAULT_MAX_TIME = "30m";
export const DEFAULT_MAX_STEPS = 60;

const boolText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ["true", "false", "yes", "no", "1", "0"].includes(s), "expected true or false")
  .transform((s) => ["true", "yes", "1"].includes(s));

const inputsSchema = z.object({
  label: z.string().trim().min(1).default("fixpoint"),
  command: z.string().trim().regex(/^\S+$/, "must be one word, like /fixpoint").default("/fixpoint"),
  allowedBots: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(/[\s,]+/)
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  // Per-run caps: nobody can burn the API budget by opening issues. Hard ceilings keep a typo safe.
  maxCostUsd: z.coerce
    .number()
    .positive("must be more than 0")
    .max(100, "at most 100 (USD) per run")
    .default(DEFAULT_MAX_COST_USD),
  maxTime: z.string().default(DEFAULT_MAX_TIME),
  maxSteps: z.coerce.number().int("must be a whole number").min(1).max(1000).default(DEFAULT_MAX_STEPS),
  model: z.string().trim().optional(),
  draft: boolText.default(true),
  sandbox: z.enum(["docker", "local", "auto"]).default("docker"),
  githubToken: z.string().trim().optional(),
  baseUrl: z.string().trim().optional(),
  branch: z.string().trim().optional(),
  apiKey: z.string().optional(),
  apiKeyEnv: z
    .string()
    .trim()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name")
    .default("ANTHROPIC_API_KEY"),
});

export interface ActionInputs {
  label: string;
  command: string;
  allowedBots: string[];
  maxCostUsd: number;
  maxTimeMs: number;
  maxSteps: number;
  model?: string;
  draft: boolean;
  sandbox: "docker" | "local" | "auto";
  githubToken?: string;
  baseUrl?: string;
  branch?: string;
  apiKey?: string;
  apiKeyEnv: string;
}

/** An input as the runner passes it: `INPUT_MAX-COST` (node actions) or `INPUT_MAX_COST` (our composite step). */
function input(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const up = name.toUpperCase();
  const v = env[`INPUT_${up}`] ?? env[`INPUT_${up.replaceAll("-", "_")}`];
  return v === undefined || v.trim() === "" ? undefined : v;
}

/** Reads and validates the Action's inputs; a bad one is a one-line UsageError naming it. */
export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const raw = {
    label: input(env, "label"),
    command: input(env, "command"),
    allowedBots: input(env, "allowed-bots"),
    maxCostUsd: input(env, "max-cost")?.replace(/^\$/, ""),
    maxTime: input(env, "max-time"),
    maxSteps: input(env, "max-steps"),
    model: input(env, "model"),
    draft: input(env, "draft"),
    sandbox: input(env, "sandbox"),
    githubToken: input(env, "github-token"),
    baseUrl: input(env, "base-url"),
    branch: input(env, "branch"),
    apiKey: input(env, "api-key"),
    apiKeyEnv: input(env, "api-key-env"),
  };
  const names: Record<string, string> = {
    maxCostUsd: "max-cost",
    maxTime: "max-time",
    maxSteps: "max-steps",
    allowedBots: "allowed-bots",
    githubToken: "github-token",
    baseUrl: "base-url",
    apiKey: "api-key",
    apiKeyEnv: "api-key-env",
  };
  const r = inputsSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ ...i, path: i.path.map((p) => names[String(p)] ?? p) }));
    throw new UsageError(describeZodError("action input", issues));
  }
  const maxTimeMs = parseDuration(r.data.maxTime, "action input max-time");
  if (maxTimeMs <= 0 || maxTimeMs > 6 * 3_600_000)
    throw new UsageError("action input max-time: between 1s and 6h");
  const { maxTime: _, ...rest } = r.data;
  registerSecret(rest.githubToken);
  registerSecret(rest.apiKey);
  return { ...rest, maxTimeMs };
}
