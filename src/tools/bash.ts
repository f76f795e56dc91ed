/**
 * `bash`: runs a command in the sandbox's persistent shell, so `cd`, exported variables and
 * activated environments carry over between calls. Interactive programs are refused before they
 * run (they would hang the shell or swallow its input).
 */
import { z } from "zod";
import { changedSinceLastSnapshot } from "./changes.js";
import { describeRefusal, detectInteractive } from "./interactive.js";
import type { Tool } from "./types.js";

/** Longest timeout the model may ask for, seconds. */
export const MAX_BASH_TIMEOUT_S = 1800;

const schema = z.object({
  command: z.string().min(1).describe("The command to run (bash syntax; pipes, &&, heredocs are fine)."),
  timeout: z
    .number()
    .positive()
    .optional()
    .describe(
      `Timeout in seconds for this command (default set by the run; capped at ${MAX_BASH_TIMEOUT_S}).`,
    ),
});

export const bashTool: Tool<typeof schema> = {
  name: "bash",
  description: [
    "Run a shell command in the repository checkout and return its output and exit code.",
    "The shell is persistent: the working directory and exported variables carry over between calls.",
    "It is not a terminal: interactive programs (editors, pagers, bare interpreters, `git commit` without -m) are refused.",
    "Long-running commands are interrupted at the timeout; run servers in the background with output to a file.",
  ].join(" "),
  schema,
  async execute(input, ctx) {
    const refusal = detectInteractive(input.command);
    if (refusal) return { output: describeRefusal(refusal), isError: true };

    // Larger requests are capped rather than refused: a refusal would cost the model a step.
    const asked =
      input.timeout !== undefined
        ? Math.round(Math.min(input.timeout, MAX_BASH_TIMEOUT_S) * 1000)
        : ctx.commandTimeoutMs;
    // No command outlives the run's wall-time budget.
    const left = ctx.timeLeftMs?.() ?? Number.POSITIVE_INFINITY;
    if (left < 1000) return { output: "not run: the run's time budget is spent", isError: true };
    const timeoutMs = Math.min(asked, Math.floor(left));
    const r = await ctx.sandbox.exec(input.command, {
      timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const parts: string[] = [];
    if (r.stdout) parts.push(r.stdout.replace(/\n$/, ""));
    if (r.stderr) parts.push(`[stderr]\n${r.stderr.replace(/\n$/, "")}`);
    if (r.timedOut) {
      parts.push(
        `[timed out after ${Math.round(timeoutMs / 1000)} s: the command was interrupted; the shell kept its working directory and variables]`,
      );
    } else {
      parts.push(`[exit code: ${r.exitCode}]`);
    }
    // Any command may have written files; find which (for the code graph and the trajectory).
    const changedFiles = await changedSinceLastSnapshot(ctx).catch(() => []);
    return {
      output: parts.join("\n"),
      // A non-zero exit is a normal answer (a failing test, grep without matches), not a tool error.
      isError: r.timedOut,
      ...(r.timedOut ? { timedOut: true } : {}),
      ...(changedFiles.length ? { changedFiles } : {}),
    };
  },
};
