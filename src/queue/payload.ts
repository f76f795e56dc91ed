/**
 * What travels through Redis, validated with zod at both ends (a worker never runs a payload it
 * cannot read; a coordinator never writes a result it cannot read). Job data holds the task
 * record, the settings of the run and the prompts as text — never a secret: API keys stay in
 * the workers' environment. Results carry the task's folder, gzipped.
 */
import { readdir, readFile } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import { describeZodError } from "../common/index.js";

const Sandbox = z.enum(["auto", "docker", "local"]);

export const RunSettingsSchema = z
  .object({
    /** The model spec; `{script}`, `{instance_id}`, `{task_dir}` are filled per task by the worker. */
    model: z.string().min(1),
    sandbox: Sandbox,
    image_template: z.string().nullable(),
    base_image: z.string().optional(),
    budget: z
      .object({
        maxSteps: z.number().int().positive(),
        maxCostUsd: z.number().positive().optional(),
        maxTimeMs: z.number().int().positive().optional(),
        maxTokens: z.number().int().positive().optional(),
      })
      .strict(),
    command_timeout_ms: z.number().int().positive(),
    test_gate: z.boolean(),
    gate: z
      .object({
        scope: z.enum(["auto", "related", "full"]).optional(),
        hops: z.number().int().min(0).max(6).optional(),
        fullBudgetMs: z.number().int().positive().optional(),
      })
      .strict(),
    with_hints: z.boolean(),
    engine_wait_ms: z.number().int().positive(),
    /** Prompt templates by file name, when the coordinator was given `--prompts`. */
    prompts: z.record(z.string().regex(/^[\w.-]+$/, "a prompt file name"), z.string()).optional(),
    max_cost_total: z.number().positive().optional(),
  })
  .strict();
export type RunSettings = z.infer<typeof RunSettingsSchema>;

export const EvalSettingsSchema = z
  .object({
    sandbox: Sandbox,
    timeout_ms: z.number().int().positive(),
    image_template: z.string().nullable(),
    base_image: z.string().optional(),
    grade_empty: z.boolean(),
  })
  .strict();
export type EvalSettings = z.infer<typeof EvalSettingsSchema>;

const Common = {
  v: z.literal(1),
  suite: z.string().min(1),
  instance_id: z.string().min(1),
  /** The task file's record, parsed again by the worker (as `suite run` parses it). */
  record: z.record(z.string(), z.unknown()),
  /** The task file's folder on the coordinator (relative paths in records resolve against it). */
  base_dir: z.string(),
};

export const RunJobSchema = z
  .object({ ...Common, kind: z.literal("run"), settings: RunSettingsSchema })
  .strict();
export const EvalJobSchema = z
  .object({
    ...Common,
    kind: z.literal("eval"),
    prediction: z
      .object({ instance_id: z.string().min(1), model_name_or_path: z.string(), model_patch: z.string() })
      .strict(),
    settings: EvalSettingsSchema,
  })
  .strict();
export const JobDataSchema = z.discriminatedUnion("kind", [RunJobSchema, EvalJobSchema]);
export type RunJob = z.infer<typeof RunJobSchema>;
export type EvalJob = z.infer<typeof EvalJobSchema>;
export type JobData = z.infer<typeof JobDataSchema>;

/** Parses job data; the error names the field (it becomes the job's failedReason). */
export function parseJobData(raw: unknown): JobData {
  const r = JobDataSchema.safeParse(raw);
  if (!r.success) throw new Error(describeZodError("job payload", r.error.issues));
  return r.data;
}

const Timing = {
  worker: z.string(),
  started_at: z.number(),
  finished_at: z.number(),
};

export const RunResultSchema = z.union([
  z.object({ kind: z.literal("run"), not_started: z.literal(true), ...Timing }).strict(),
  z
    .object({
      kind: z.literal("run"),
      not_started: z.literal(false),
      ...Timing,
      /** status.json as the worker's run wrote it. */
      status: z
        .object({
          instance_id: z.string(),
          state: z.enum(["done", "error", "interrupted"]),
          final: z.boolean(),
          cost_usd: z.number(),
        })
        .passthrough(),
      files: z.string(),
    })
    .strict(),
]);
export type RunResult = z.infer<typeof RunResultSchema>;

export const EvalResultSchema = z
  .object({
    kind: z.literal("eval"),
    ...Timing,
    report: z
      .object({
        instance_id: z.string(),
        status: z.string(),
        resolved: z.boolean(),
        reason: z.string().optional(),
      })
      .passthrough(),
    files: z.string(),
  })
  .strict();
export type EvalJobResult = z.infer<typeof EvalResultSchema>;

export function parseResult<T extends z.ZodType>(schema: T, raw: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(describeZodError(what, r.error.issues));
  return r.data;
}

/** A folder's files (recursively) as one gzipped, base64 JSON map of relative path → base64 content. */
export async function packDir(dir: string): Promise<string> {
  const files: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files[p] = (await readFile(join(dir, p))).toString("base64");
    }
  };
  await walk("");
  return gzipSync(JSON.stringify(files)).toString("base64");
}

const PackedFiles = z.record(z.string(), z.string());

/** The files of `packDir`; a path that would leave the task folder is refused. */
export function unpackFiles(packed: string): Map<string, Buffer> {
  const raw = JSON.parse(gunzipSync(Buffer.from(packed, "base64")).toString("utf8")) as unknown;
  const files = PackedFiles.parse(raw);
  const out = new Map<string, Buffer>();
  for (const [p, b64] of Object.entries(files)) {
    const n = normalize(p);
    if (n === ".." || n.startsWith(`..${sep}`) || isAbsolute(n) || n === ".")
      throw new Error(`result: file path ${JSON.stringify(p)} leaves the task folder`);
    out.set(n, Buffer.from(b64, "base64"));
  }
  return out;
}
