/**
 * Entry point of the GitHub Action (`action.yml` runs it with tsx): reads the runner's
 * environment, wires the real agent as the solver, runs, and sets the exit code.
 */

import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage } from "../common/index.js";
import { createLogger, registerEnvSecrets, registerSecret } from "../log/index.js";
import { type ActionSolveOutcome, readActionInputs, runAction, type SolveFn } from "./action.js";

/**
 * The real solver: the agent core, imported lazily so this module loads (and its tests run)
 * without it. The run's digest (summary, tests, trajectory excerpt) is what the PR body shows.
 */
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

async function main(): Promise<void> {
  registerEnvSecrets();
  const env = process.env;
  const artifactsDir = resolve(
    env.FIXPOINT_ARTIFACTS_DIR ?? join(env.RUNNER_TEMP ?? tmpdir(), "fixpoint-artifacts"),
  );
  env.FIXPOINT_ARTIFACTS_DIR = artifactsDir;
  const logger = createLogger({
    file: join(artifactsDir, "action.log"),
    pretty: true,
    terminalLevel: "info",
  });
  try {
    // The API key arrives as an input; the model providers read it from their usual variable.
    const inputs = readActionInputs(env);
    if (inputs.apiKey) {
      registerSecret(inputs.apiKey);
      env[inputs.apiKeyEnv] = inputs.apiKey;
    }
  } catch (err) {
    // runAction reports bad inputs itself (outputs, exit code); nothing more to do here.
    logger.debug({ err: errorMessage(err) }, "inputs");
  }
  const result = await runAction({
    env,
    logger,
    solve: async (task, limits, hooks) => (await loadAgentSolver())(task, limits, hooks),
  });
  if (result.status === "error") process.stderr.write(`fixpoint: ${result.reason ?? "failed"}\n`);
  process.exitCode = result.exitCode;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`fixpoint: ${errorMessage(err).split("\n")[0]}\n`);
    process.exitCode = 1;
  });
}
