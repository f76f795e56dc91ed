/**
 * Entry point of the GitHub Action (`action.yml` runs this file with tsx): reads the runner's
 * environment, wires the real agent as the solver, runs, and sets the exit code.
 */

import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errorMessage } from "../common/index.js";
import { createLogger, registerEnvSecrets, registerSecret } from "../log/index.js";
import { readActionInputs } from "./inputs.js";
import { runAction } from "./run.js";
import { loadAgentSolver } from "./solver.js";

/** Runs the Action in this process: outputs, artifacts and `process.exitCode`. */
export async function actionMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  registerEnvSecrets();
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
  actionMain().catch((err) => {
    process.stderr.write(`fixpoint: ${errorMessage(err).split("\n")[0]}\n`);
    process.exitCode = 1;
  });
}
