/**
 * The real solver of the Action: the agent core with a model from the `model` input. Imported
 * lazily, so the Action's modules load (and their tests run) without the agent. The run's digest
 * (summary, tests, trajectory excerpt) is what the pull request's body shows.
 */
import { join } from "node:path";
import type { ActionSolveOutcome, SolveFn } from "./run.js";

export async function loadAgentSolver(): Promise<SolveFn> {
  const agent = await import("../agent/index.js");
  const models = await import("../model/index.js");
  return async (task, limits, hooks): Promise<ActionSolveOutcome> => {
    const spec = hooks.inputs.model ?? process.env.FIXPOINT_MODEL ?? "anthropic:claude-sonnet-4-5";
    const model = await models.createModel(spec);
    const runDir = join(hooks.artifactsDir, "run");
    const out = await agent.solveTask({
      runId: `${task.id}-${Date.now()}`,
      task,
      repoPath: hooks.repoPath,
      model,
      sandbox: hooks.inputs.sandbox,
      runDir,
      budget: { maxSteps: limits.maxSteps, maxCostUsd: limits.maxCostUsd, maxTimeMs: limits.maxTimeMs },
      testGate: true,
      commandTimeoutMs: 10 * 60_000,
      log: hooks.logger,
      signal: hooks.signal,
      onEvent: (ev) => {
        if (ev.type === "localized")
          hooks.progress("localized", ev.files.slice(0, 3).join(", ") || "no candidates");
        if (ev.type === "gate") hooks.progress("tests", ev.summary.split("\n")[0] ?? "");
      },
    });
    return {
      ...agent.digestRun(out),
      logPath: join(runDir, "run.log"),
    };
  };
}
