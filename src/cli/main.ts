/**
 * The fixpoint command line. Each command parses its flags, calls one use-case function, prints
 * and returns the exit code: 0 solved, 1 not solved, 2 bad usage or input, 3 infrastructure,
 * 130 interrupted. User mistakes are one line on stderr, never a stack trace.
 */
import { Command, CommanderError, Option } from "commander";
import { errorMessage, FIXPOINT_VERSION, FixpointError } from "../common/index.js";
import { registerGraphCommands } from "./graph.js";
import { registerInfraCommands } from "./infra.js";
import { lazyAction } from "./lazy.js";
import { registerWorkerCommand } from "./queue-commands.js";
import { registerSuiteCommands } from "./suite-commands.js";

// Command implementations are imported when their command runs (lazyAction): the model SDKs, dockerode,
// Octokit, zod, SQLite and the logger load only for the commands that use them, so `fixpoint --help`
// loads commander and the option lists, and `fixpoint graph find` the graph (bench/cli measures it).

/** Flags shared by every command that runs the agent. */
function withRunFlags(cmd: Command): Command {
  return cmd
    .option(
      "--model <spec>",
      "model: anthropic:NAME, openai:NAME, openai-text:NAME, scripted:FILE, replay:FILE",
    )
    .option("--model-base-url <url>", "model API base URL (local OpenAI-compatible servers, proxies)")
    .option("--max-steps <n>", "stop after this many model calls (default 50)")
    .option("--max-cost <usd>", "stop when the run has cost this much (default 3)")
    .option("--max-tokens <n>", "stop after this many tokens in total (default: no cap)")
    .option("--max-time <duration>", "stop after this much wall time, e.g. 15m (default 30m)")
    .addOption(
      new Option("--sandbox <kind>", "where commands run (default auto: Docker when it answers)").choices([
        "auto",
        "docker",
        "local",
      ]),
    )
    .option("--image <name>", "Docker: run in this image instead of the repository's environment image")
    .option("--network", "Docker: give the container network access (default: none)")
    .option("--memory <size>", "Docker: memory limit, e.g. 4g (default 4g)")
    .option("--cpus <n>", "Docker: CPU limit (default 2)")
    .option("--pids <n>", "Docker: process-count limit (default 2048)")
    .option("--user <user>", "Docker: run commands as this (non-root) user")
    .option("--test-cmd <command>", "the repository's test command (default: from the task, or detected)")
    .option("--no-test-gate", "accept a submit without running the tests")
    .option(
      "--gate-scope <scope>",
      "tests the gate runs: auto (the whole suite when its baseline fits --gate-full-budget, else related), related (named, yours, and those the code graph links to the change), full",
    )
    .option("--gate-hops <n>", "graph hops from a test to a changed symbol for related tests (default 2)")
    .option(
      "--gate-full-budget <duration>",
      "auto scope: the whole suite runs when it takes at most this (default 3m)",
    )
    .option("--no-graph", "do not build the code graph (no graph tools, no localization in the prompt)")
    .option("--command-timeout <duration>", "per-command timeout in the sandbox (default 120s)")
    .option("--prompts <dir>", "folder of prompt templates overriding the built-in ones")
    .option("--out <dir>", "folder for run outputs (default ./fixpoint-runs)")
    .option("--config <file>", "config file (default ./fixpoint.config.yaml)")
    .option("--json", "print one JSON object instead of a summary");
}

export function buildProgram(): Command {
  const program = new Command("fixpoint")
    .description(
      "An autonomous coding agent: issue → code graph → localize → edit in a sandbox → tests pass.",
    )
    .version(FIXPOINT_VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  withRunFlags(
    program
      .command("solve")
      .description("solve one issue in a repository and hand back a tested patch")
      .option("--repo <path>", "the repository: a local git checkout (optional for GitHub issues: cloned)")
      .option(
        "--issue <ref>",
        "the issue: a file, the text itself, or a GitHub issue (URL, OWNER/REPO#N, #N)",
      )
      .option("--apply", "apply the patch to --repo's working tree after a successful run")
      .option("--pr", "GitHub issues: push a branch and open a pull request (draft) when the run solves it")
      .option("--ready", "with --pr: open the pull request ready for review instead of as a draft")
      .option(
        "--branch <name>",
        "with --pr: branch name; {n} is the issue number (default fixpoint/issue-{n})",
      )
      .option(
        "--push-unsolved",
        "with --pr: push the branch even when the run did not solve the issue (no PR)",
      )
      .option(
        "--base-url <url>",
        "GitHub API base URL, for GitHub Enterprise (default https://api.github.com)",
      )
      .option("--clone-dir <dir>", "GitHub issues without --repo: where to clone (default in the cache)"),
  ).action(lazyAction(async () => (await import("./solve.js")).runSolve));

  withRunFlags(
    program
      .command("demo")
      .description(
        "solve a bundled example end to end (the real model with ANTHROPIC_API_KEY, else a scripted one)",
      )
      .option("--fixture <name>", "which bundled fixture (default js-duration)"),
  ).action(lazyAction(async () => (await import("./solve.js")).runDemo));

  withRunFlags(
    program
      .command("replay")
      .description("re-run a saved trajectory without a model and check it reproduces the same patch")
      .argument("<trajectory>", "trajectory.json of a run"),
  ).action(lazyAction(async () => (await import("./replay.js")).runReplay));

  program
    .command("show")
    .description("print a readable summary of a run")
    .argument("<trajectory>", "trajectory.json of a run")
    .option("--full", "include every observation in full")
    .action(async (path: string, opts: { full?: boolean }) => {
      const { renderTrajectory } = await import("./show.js");
      console.log(renderTrajectory(path, opts));
    });

  registerSuiteCommands(program);
  registerWorkerCommand(program);
  registerInfraCommands(program);
  registerGraphCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = await reportError(err);
  }
}

/** Prints an error as one line and returns the exit code it maps to. */
export async function reportError(err: unknown): Promise<number> {
  if (err instanceof CommanderError) {
    // commander already printed its message (help, version, usage errors).
    return err.exitCode === 0 ? 0 : 2;
  }
  // The logger's module holds the registered secrets; it loads here, not for every --help.
  const { redactSecrets } = await import("../log/index.js");
  if (err instanceof FixpointError) {
    process.stderr.write(`fixpoint: ${redactSecrets(err.message)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`fixpoint: internal error: ${redactSecrets(errorMessage(err))}\n`);
  if (process.env.FIXPOINT_DEBUG) console.error(err);
  return 1;
}
