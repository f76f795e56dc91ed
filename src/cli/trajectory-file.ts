/** Reading a saved trajectory file for `replay` and `show`, validated at the boundary. */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type { Trajectory } from "../agent/index.js";
import { describeZodError, UsageError } from "../common/index.js";

const TrajectoryShape = z
  .object({
    version: z.number(),
    runId: z.string(),
    task: z
      .object({
        id: z.string(),
        repo: z.object({ kind: z.string() }).passthrough(),
        problemStatement: z.string(),
      })
      .passthrough(),
    steps: z.array(z.object({ index: z.number(), response: z.object({}).passthrough() }).passthrough()),
    totals: z.object({ steps: z.number(), costUsd: z.number() }).passthrough(),
  })
  .passthrough();

export function readTrajectory(path: string): Trajectory {
  if (!existsSync(path)) throw new UsageError(`trajectory ${path} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`trajectory ${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = TrajectoryShape.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeZodError(`trajectory ${path}`, parsed.error.issues));
  return parsed.data as unknown as Trajectory;
}
