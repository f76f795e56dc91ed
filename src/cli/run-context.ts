/**
 * What every run-producing command shares: a run id and folder, a logger writing JSON to the
 * run's `run.log`, signal handling that interrupts the run and removes its sandbox, and a
 * progress line on terminals (quiet elsewhere).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import cliProgress from "cli-progress";
import type { AgentEvent } from "../agent/index.js";
import { createLogger, type Logger, registerEnvSecrets } from "../log/index.js";
import { closeAllSandboxes } from "../sandbox/index.js";

export function newRunId(taskId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  const slug = taskId.replace(/[^A-Za-z0-9_.-]+/g, "-").slice(0, 40);
  return `${stamp}-${slug}-${randomBytes(2).toString("hex")}`;
}

export interface RunContext {
  runId: string;
  runDir: string;
  log: Logger;
  signal: AbortSignal;
  /** True once SIGINT/SIGTERM arrived. */
  interrupted(): boolean;
  onEvent(event: AgentEvent): void;
  dispose(): void;
}

export function openRunContext(opts: {
  taskId: string;
  outDir: string;
  maxSteps: number;
  quiet?: boolean;
}): RunContext {
  registerEnvSecrets();
  const runId = newRunId(opts.taskId);
  const runDir = resolve(opts.outDir, runId);
  mkdirSync(runDir, { recursive: true });
  // JSON to the run's file; on a terminal, warnings and errors also pretty on stderr.
  const log = createLogger({
    file: join(runDir, "run.log"),
    pretty: Boolean(process.stderr.isTTY) && !opts.quiet,
    terminalLevel: "warn",
  });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    log.warn({ signal: sig }, "interrupted");
    controller.abort(new Error(`received ${sig}`));
    // The abort interrupts the running command and the model call; the loop then takes the diff,
    // saves the trajectory and closes the sandbox. Should that hang, the sandboxes are removed
    // after a grace period; a second signal removes them and exits at once.
    if (signals > 1) {
      void closeAllSandboxes().finally(() => process.exit(130));
      return;
    }
    setTimeout(() => void closeAllSandboxes(), 10_000).unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const tty = Boolean(process.stderr.isTTY) && !opts.quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: cli-progress placeholders, not a template literal
          format: "  step {value}/{total} | ${cost} | {duration_formatted} | {last}",
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(opts.maxSteps, 0, { cost: "0.0000", last: "starting" });

  let disposed = false;
  return {
    runId,
    runDir,
    log,
    signal: controller.signal,
    interrupted: () => signals > 0,
    onEvent(e) {
      if (!bar) return;
      if (e.type === "step") bar.update(e.step, { cost: e.costUsd.toFixed(4), last: e.tools.join(", ") });
      else if (e.type === "rejected") bar.update({ last: `re-asked: ${e.reason.slice(0, 40)}` });
      else if (e.type === "gate") bar.update({ last: e.passed ? "tests pass" : "tests fail, continuing" });
      else if (e.type === "done") bar.stop();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      bar?.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      log.flush?.();
    },
  };
}
