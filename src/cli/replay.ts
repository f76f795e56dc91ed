/**
 * `fixpoint replay TRAJECTORY`: re-runs a saved run with its recorded model turns (no model) in a
 * fresh sandbox of the same repository and commit, and checks that the same patch comes out.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import pc from "picocolors";
import { UsageError } from "../common/index.js";
import type { Task } from "../task/index.js";
import { type FlagValues, resolveSettings } from "./config.js";
import { runTask } from "./solve.js";
import { readTrajectory } from "./trajectory-file.js";

export interface ReplayFlags extends FlagValues {
  config?: string;
  json?: boolean;
}

export async function runReplay(path: string, flags: ReplayFlags): Promise<number> {
  const saved = readTrajectory(path);
  const task = saved.task as Task;
  if (task.repo.kind !== "local")
    throw new UsageError(`replay needs a local repository; this run used ${task.repo.kind}`);
  if (!existsSync(task.repo.path)) {
    throw new UsageError(`replay: the run's repository ${task.repo.path} no longer exists`);
  }
  const settings = resolveSettings(flags.config, flags);
  // Same budget shape as the recorded run, so a budget exit replays the same way.
  const recorded = saved.config as Partial<{ maxSteps: number; testGate: boolean; testCommand: string }>;
  if (recorded.maxSteps && flags.maxSteps === undefined) settings.maxSteps = recorded.maxSteps;
  if (recorded.testGate === false) settings.testGate = false;
  if (recorded.testCommand && !settings.testCommand) settings.testCommand = recorded.testCommand;
  settings.maxCostUsd = 0;
  settings.maxTimeMs = 0;
  const baseCommit = saved.environment?.baseCommit ?? task.baseCommit;
  const replayTask: Task = { ...task, ...(baseCommit ? { baseCommit } : {}) };
  const outcome = await runTask(replayTask, task.repo.path, settings, {
    json: flags.json,
    modelSpec: `replay:${resolve(path)}`,
  });
  const same = (outcome.patch ?? "") === (saved.patch ?? "") && outcome.status === saved.status;
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ reproduced: same, status: outcome.status, recordedStatus: saved.status })}\n`,
    );
  } else if (same) {
    console.log(pc.green(`reproduced: same status (${outcome.status}) and the same patch`));
  } else {
    console.log(pc.red(`not reproduced: recorded ${saved.status}, replayed ${outcome.status}`));
    if ((outcome.patch ?? "") !== (saved.patch ?? "")) console.log("  the patches differ");
  }
  return same ? 0 : 1;
}
