/**
 * The replay model: returns the model turns recorded in a saved trajectory, in order, with their
 * recorded usage and cost, so a run can be reproduced without a model. The trajectory is read
 * loosely (extra fields pass) but every response field used is validated.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { describeZodError, errorMessage, UsageError } from "../common/index.js";
import { ScriptExhaustedError } from "./errors.js";
import type { Model, ModelRequest, ModelResponse } from "./types.js";

const ToolCallSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    input: z.unknown(),
    rawInput: z.string().optional(),
    parseError: z.string().optional(),
  })
  .passthrough();

const ResponseSchema = z
  .object({
    text: z.string().default(""),
    toolCalls: z.array(ToolCallSchema).default([]),
    usage: z
      .object({
        inputTokens: z.number().nonnegative(),
        outputTokens: z.number().nonnegative(),
        cacheReadTokens: z.number().nonnegative().default(0),
        cacheWriteTokens: z.number().nonnegative().default(0),
      })
      .passthrough()
      .default({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }),
    costUsd: z.number().nonnegative().default(0),
    stopReason: z.string().default("end_turn"),
    model: z.string().default("replay"),
    formatError: z.string().optional(),
  })
  .passthrough();

export const ReplayTrajectorySchema = z
  .object({
    steps: z.array(z.object({ response: ResponseSchema }).passthrough()),
    config: z.object({ contextWindow: z.number().int().positive().optional() }).passthrough().optional(),
  })
  .passthrough();

export class ReplayModel implements Model {
  readonly spec: string;
  readonly contextWindow: number;
  private next = 0;

  constructor(
    private readonly responses: ModelResponse[],
    opts: { spec?: string; contextWindow?: number } = {},
  ) {
    this.spec = opts.spec ?? "replay:(inline)";
    this.contextWindow = opts.contextWindow ?? 200_000;
  }

  get remaining(): number {
    return this.responses.length - this.next;
  }

  async complete(req: ModelRequest): Promise<ModelResponse> {
    req.signal?.throwIfAborted();
    const r = this.responses[this.next];
    if (!r) throw new ScriptExhaustedError(this.responses.length, "replayed trajectory");
    this.next++;
    return structuredClone(r);
  }
}

/** Turns the parsed `steps[].response` into provider-neutral responses. */
export function responsesFromTrajectory(data: unknown, what = "trajectory"): ModelResponse[] {
  const parsed = ReplayTrajectorySchema.safeParse(data);
  if (!parsed.success) throw new UsageError(describeZodError(what, parsed.error.issues));
  return parsed.data.steps.map(({ response: r }) => {
    const out: ModelResponse = {
      text: r.text,
      toolCalls: r.toolCalls.map((c) => ({
        id: c.id,
        name: c.name,
        input: c.input ?? {},
        ...(c.rawInput !== undefined ? { rawInput: c.rawInput } : {}),
        ...(c.parseError !== undefined ? { parseError: c.parseError } : {}),
      })),
      usage: {
        inputTokens: r.usage.inputTokens,
        outputTokens: r.usage.outputTokens,
        cacheReadTokens: r.usage.cacheReadTokens,
        cacheWriteTokens: r.usage.cacheWriteTokens,
      },
      costUsd: r.costUsd,
      stopReason: r.stopReason,
      model: r.model,
    };
    if (r.formatError !== undefined) out.formatError = r.formatError;
    return out;
  });
}

export async function loadReplayModel(
  path: string,
  opts: { contextWindow?: number } = {},
): Promise<ReplayModel> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new UsageError(`replay model: cannot read trajectory ${path}: ${errorMessage(err).split("\n")[0]}`);
  }
  const responses = responsesFromTrajectory(data, `trajectory ${path}`);
  if (responses.length === 0) throw new UsageError(`trajectory ${path}: it records no model turns to replay`);
  const recordedWindow = ReplayTrajectorySchema.parse(data).config?.contextWindow;
  return new ReplayModel(responses, {
    spec: `replay:${path}`,
    contextWindow: opts.contextWindow ?? recordedWindow,
  });
}
