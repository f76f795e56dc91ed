/**
 * Configuration: defaults < config file (`fixpoint.config.yaml` in the working directory, or
 * `--config FILE`) < environment (`FIXPOINT_*`) < flags. Every layer is validated with zod and a
 * mistake is reported as one line naming the field.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { describeZodError, parseDuration, UsageError } from "../common/index.js";

const Duration = z.union([z.number().nonnegative(), z.string()]);

const PricingEntry = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cache_read: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
});

export const ConfigFileSchema = z
  .object({
    model: z.string().min(1),
    model_base_url: z.string().url(),
    github_base_url: z.string().url(),
    max_steps: z.number().int().positive(),
    max_cost: z.number().nonnegative(),
    max_tokens: z.number().int().nonnegative(),
    max_time: Duration,
    sandbox: z.enum(["auto", "docker", "local"]),
    test_command: z.string().min(1),
    test_gate: z.boolean(),
    gate_scope: z.enum(["auto", "related", "full"]),
    gate_hops: z.number().int().min(0).max(6),
    gate_full_budget: Duration,
    command_timeout: Duration,
    prompts_dir: z.string().min(1),
    out_dir: z.string().min(1),
    graph: z.boolean(),
    max_retries: z.number().int().nonnegative(),
    retry_base_ms: z.number().int().positive(),
    request_timeout: Duration,
    pricing: z.record(z.string(), PricingEntry),
    docker: z
      .object({
        image: z.string().min(1),
        network: z.boolean(),
        memory: z.string().min(1),
        cpus: z.number().positive(),
        pids: z.number().int().positive(),
        user: z.string().min(1),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** The resolved settings a command runs with. */
export interface Settings {
  model: string;
  /** Model API base URL (local OpenAI-compatible servers, proxies). */
  modelBaseUrl?: string;
  /** GitHub API base URL (GitHub Enterprise). */
  githubBaseUrl?: string;
  maxSteps: number;
  maxCostUsd: number;
  maxTokens: number;
  maxTimeMs: number;
  sandbox: "auto" | "docker" | "local";
  testCommand?: string;
  testGate: boolean;
  /** How the gate chooses its tests (see GateSettings). */
  gateScope: "auto" | "related" | "full";
  gateHops: number;
  gateFullBudgetMs: number;
  commandTimeoutMs: number;
  promptsDir?: string;
  outDir: string;
  graph: boolean;
  pricing?: ConfigFile["pricing"];
  /** Model API retries on 429/5xx/overloaded, and the first backoff. */
  maxRetries?: number;
  retryBaseMs?: number;
  requestTimeoutMs?: number;
  docker: NonNullable<ConfigFile["docker"]>;
  /** Where the settings came from, for the trajectory. */
  configFile?: string;
}

export const DEFAULTS: Settings = {
  model: "anthropic:claude-sonnet-4-5",
  maxSteps: 50,
  maxCostUsd: 3,
  maxTokens: 0,
  maxTimeMs: 30 * 60_000,
  sandbox: "auto",
  testGate: true,
  gateScope: "auto",
  gateHops: 2,
  gateFullBudgetMs: 3 * 60_000,
  commandTimeoutMs: 120_000,
  outDir: "fixpoint-runs",
  graph: true,
  docker: {},
};

export function loadConfigFile(
  path: string | undefined,
  cwd = process.cwd(),
): { file?: string; data: ConfigFile } {
  const file = path ? resolve(cwd, path) : resolve(cwd, "fixpoint.config.yaml");
  if (!existsSync(file)) {
    if (path) throw new UsageError(`--config: ${path} does not exist`);
    return { data: {} };
  }
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    throw new UsageError(`${file}: not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeZodError(file, parsed.error.issues));
  return { file, data: parsed.data };
}

/** Settings from FIXPOINT_* environment variables, validated like the file. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const raw: Record<string, unknown> = {};
  const num = (k: string) => (env[k] !== undefined && env[k] !== "" ? Number(env[k]) : undefined);
  if (env.FIXPOINT_MODEL) raw.model = env.FIXPOINT_MODEL;
  if (env.FIXPOINT_MODEL_BASE_URL) raw.model_base_url = env.FIXPOINT_MODEL_BASE_URL;
  if (env.GITHUB_API_URL) raw.github_base_url = env.GITHUB_API_URL;
  if (num("FIXPOINT_MAX_STEPS") !== undefined) raw.max_steps = num("FIXPOINT_MAX_STEPS");
  if (num("FIXPOINT_MAX_COST") !== undefined) raw.max_cost = num("FIXPOINT_MAX_COST");
  if (env.FIXPOINT_MAX_TIME) raw.max_time = env.FIXPOINT_MAX_TIME;
  if (env.FIXPOINT_SANDBOX) raw.sandbox = env.FIXPOINT_SANDBOX;
  if (env.FIXPOINT_OUT_DIR) raw.out_dir = env.FIXPOINT_OUT_DIR;
  if (env.FIXPOINT_TEST_COMMAND) raw.test_command = env.FIXPOINT_TEST_COMMAND;
  if (num("FIXPOINT_MAX_RETRIES") !== undefined) raw.max_retries = num("FIXPOINT_MAX_RETRIES");
  if (num("FIXPOINT_RETRY_BASE_MS") !== undefined) raw.retry_base_ms = num("FIXPOINT_RETRY_BASE_MS");
  const parsed = ConfigFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(describeZodError("environment (FIXPOINT_*)", parsed.error.issues));
  return parsed.data;
}

/** Flag values as commander hands them over (strings), before validation. */
export interface FlagValues {
  model?: string;
  modelBaseUrl?: string;
  /** GitHub API base URL. */
  baseUrl?: string;
  maxSteps?: string;
  maxCost?: string;
  maxTokens?: string;
  maxTime?: string;
  sandbox?: string;
  testCmd?: string;
  testGate?: boolean;
  gateScope?: string;
  gateHops?: string;
  gateFullBudget?: string;
  commandTimeout?: string;
  prompts?: string;
  out?: string;
  graph?: boolean;
  image?: string;
  network?: boolean;
  memory?: string;
  cpus?: string;
  pids?: string;
  user?: string;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag}: "${v}" is not a positive whole number`);
  return n;
}

function nonNegative(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: "${v}" is not a non-negative number`);
  return n;
}

export function resolveSettings(
  configPath: string | undefined,
  flags: FlagValues,
  env = process.env,
): Settings {
  const { file, data } = loadConfigFile(configPath ?? env.FIXPOINT_CONFIG);
  const fromEnv = configFromEnv(env);
  const layered: ConfigFile = { ...data, ...fromEnv, docker: { ...data.docker, ...fromEnv.docker } };
  const s: Settings = { ...DEFAULTS, docker: { ...layered.docker } };
  if (file) s.configFile = file;
  if (layered.model) s.model = layered.model;
  if (layered.model_base_url) s.modelBaseUrl = layered.model_base_url;
  if (layered.github_base_url) s.githubBaseUrl = layered.github_base_url;
  if (layered.max_steps) s.maxSteps = layered.max_steps;
  if (layered.max_cost !== undefined) s.maxCostUsd = layered.max_cost;
  if (layered.max_tokens !== undefined) s.maxTokens = layered.max_tokens;
  if (layered.max_time !== undefined) s.maxTimeMs = toMs(layered.max_time, "max_time");
  if (layered.sandbox) s.sandbox = layered.sandbox;
  if (layered.test_command) s.testCommand = layered.test_command;
  if (layered.test_gate !== undefined) s.testGate = layered.test_gate;
  if (layered.gate_scope) s.gateScope = layered.gate_scope;
  if (layered.gate_hops !== undefined) s.gateHops = layered.gate_hops;
  if (layered.gate_full_budget !== undefined)
    s.gateFullBudgetMs = toMs(layered.gate_full_budget, "gate_full_budget");
  if (layered.command_timeout !== undefined)
    s.commandTimeoutMs = toMs(layered.command_timeout, "command_timeout");
  if (layered.prompts_dir) s.promptsDir = layered.prompts_dir;
  if (layered.out_dir) s.outDir = layered.out_dir;
  if (layered.graph !== undefined) s.graph = layered.graph;
  if (layered.pricing) s.pricing = layered.pricing;
  if (layered.max_retries !== undefined) s.maxRetries = layered.max_retries;
  if (layered.retry_base_ms !== undefined) s.retryBaseMs = layered.retry_base_ms;
  if (layered.request_timeout !== undefined)
    s.requestTimeoutMs = toMs(layered.request_timeout, "request_timeout");

  if (flags.model) s.model = flags.model;
  if (flags.modelBaseUrl) s.modelBaseUrl = flags.modelBaseUrl;
  if (flags.baseUrl) s.githubBaseUrl = flags.baseUrl;
  if (flags.maxSteps !== undefined) s.maxSteps = positiveInt("--max-steps", flags.maxSteps);
  if (flags.maxCost !== undefined) s.maxCostUsd = nonNegative("--max-cost", flags.maxCost);
  if (flags.maxTokens !== undefined) s.maxTokens = nonNegative("--max-tokens", flags.maxTokens);
  if (flags.maxTime !== undefined) s.maxTimeMs = parseDuration(flags.maxTime, "--max-time");
  if (flags.sandbox !== undefined) {
    if (!["auto", "docker", "local"].includes(flags.sandbox)) {
      throw new UsageError(`--sandbox: "${flags.sandbox}" is not one of auto, docker, local`);
    }
    s.sandbox = flags.sandbox as Settings["sandbox"];
  }
  if (flags.testCmd) s.testCommand = flags.testCmd;
  if (flags.testGate === false) s.testGate = false;
  if (flags.gateScope !== undefined) s.gateScope = parseGateScope(flags.gateScope);
  if (flags.gateHops !== undefined) s.gateHops = parseGateHops(flags.gateHops);
  if (flags.gateFullBudget !== undefined)
    s.gateFullBudgetMs = parseDuration(flags.gateFullBudget, "--gate-full-budget");
  if (flags.commandTimeout !== undefined)
    s.commandTimeoutMs = parseDuration(flags.commandTimeout, "--command-timeout");
  if (flags.prompts) s.promptsDir = flags.prompts;
  if (flags.out) s.outDir = flags.out;
  if (flags.graph === false) s.graph = false;
  if (flags.image) s.docker.image = flags.image;
  if (flags.network) s.docker.network = true;
  if (flags.memory) {
    if (!/^\d+(\.\d+)?\s*[kmgt]?i?b?$/i.test(flags.memory.trim())) {
      throw new UsageError(`--memory: "${flags.memory}" is not a size (examples: 512m, 4g)`);
    }
    s.docker.memory = flags.memory;
  }
  if (flags.cpus !== undefined) {
    const n = Number(flags.cpus);
    if (!Number.isFinite(n) || n <= 0)
      throw new UsageError(`--cpus: "${flags.cpus}" is not a positive number`);
    s.docker.cpus = n;
  }
  if (flags.pids !== undefined) s.docker.pids = positiveInt("--pids", flags.pids);
  if (flags.user) s.docker.user = flags.user;
  return s;
}

export function parseGateScope(v: string): Settings["gateScope"] {
  if (v === "auto" || v === "related" || v === "full") return v;
  throw new UsageError(`--gate-scope: "${v}" is not one of auto, related, full`);
}

export function parseGateHops(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 6)
    throw new UsageError(`--gate-hops: "${v}" is not a whole number from 0 to 6`);
  return n;
}

function toMs(v: string | number, field: string): number {
  return typeof v === "number" ? Math.round(v * 1000) : parseDuration(v, field);
}
