/**
 * `fixpoint suite run|eval`: the options. The implementations (./suite.js, with the agent, the
 * model SDKs and Docker) are imported when a command runs.
 */
import { type Command, Option } from "commander";
import { lazyAction } from "./lazy.js";
import { registerSuiteStatusCommand } from "./queue-commands.js";

/** `--queue` and its companions, shared by `suite run` and `suite eval`. */
function withQueueFlags(cmd: Command, detach: boolean): Command {
  cmd.option(
    "--queue <url>",
    "run on the workers of a Redis queue (redis://[:password@]host:port[/db], rediss:// for TLS) instead of here",
  );
  if (detach)
    cmd.option(
      "--detach",
      "with --queue: enqueue and exit; the workers drain the queue, a later run with the same --out collects",
    );
  return cmd
    .option(
      "--suite-id <id>",
      "with --queue: the suite's id on the queue (default: from this machine and --out)",
    )
    .option(
      "--queue-attempts <n>",
      "with --queue: attempts of a job that fails on infrastructure (default 3)",
    )
    .option("--queue-backoff <duration>", "with --queue: first wait before a retry, doubling (default 30s)");
}

export function registerSuiteCommands(program: Command): void {
  const suite = program.command("suite").description("run and grade SWE-bench-style task suites");
  const run = suite
    .command("run")
    .description("run the agent on every task of a task file (SWE-bench JSON/JSONL), resumably")
    .argument(
      "<tasks>",
      "task file: SWE-bench, Multi-SWE-bench or SWE-PolyBench records (JSON list or JSONL)",
    )
    .option("--model <spec>", "model spec; {script}, {instance_id}, {task_dir} are filled per task")
    .option("--out <dir>", "output folder: predictions.jsonl and one folder per task")
    .option("--workers <n>", "tasks run in parallel (default 1)")
    .option("--instances <ids|regex>", "only these instance ids (comma-separated) or those matching a regex")
    .option("--redo", "run tasks again even when they already have a final status")
    .option("--max-cost-total <usd>", "stop starting new tasks once the suite has cost this much")
    .option(
      "--mirror <dir>",
      "local mirrors of the repositories (OWNER+NAME/repo, OWNER/NAME or OWNER__NAME)",
    )
    .addOption(
      new Option("--sandbox <kind>", "where tasks run (default auto)").choices(["auto", "docker", "local"]),
    )
    .option("--max-steps <n>", "per task: stop after this many model calls (default 50)")
    .option("--max-cost <usd>", "per task: stop when the task has cost this much (default 3)")
    .option("--max-time <duration>", "per task: wall time (default 30m)")
    .option("--command-timeout <duration>", "per command in the sandbox (default 120s)")
    .option("--cache-dir <dir>", "bare clones of repositories (default ~/.cache/fixpoint/repos)")
    .option(
      "--image-template <name>",
      "per-task image name template, or none (default: SWE-bench's per-task images, swebench/sweb.eval.x86_64.{id_docker}:latest)",
    )
    .option("--base-image <image>", "base image for environment builds (default FIXPOINT_BASE_IMAGE)")
    .option("--recipes <dir>", "recipes folder (default environments/recipes)")
    .option("--model-name <name>", "model_name_or_path written to predictions (default the --model spec)")
    .option("--no-test-gate", "accept a submit without running the tests")
    .addOption(
      new Option("--gate-scope <scope>", "tests the gate runs (default auto)").choices([
        "auto",
        "related",
        "full",
      ]),
    )
    .option("--gate-hops <n>", "graph hops from a test to a changed symbol (default 2)")
    .option(
      "--gate-full-budget <duration>",
      "auto scope: the whole suite runs when it takes at most this (default 3m)",
    )
    .option(
      "--baseline-cache <dir>",
      "baselines, one per repository, commit and environment (default ~/.cache/fixpoint/baselines)",
    )
    .option(
      "--engine-wait <duration>",
      "after an infrastructure failure, how long to wait for the Docker engine before retrying (default 10m)",
    )
    .option("--with-hints", "show the tasks' hints_text to the agent (SWE-bench's standard setting does not)")
    .option("--prompts <dir>", "folder of prompt templates")
    .option("--json", "print one JSON summary");
  withQueueFlags(run, true).action(lazyAction(async () => (await import("./suite.js")).runSuiteCommand));
  const evaluate = suite
    .command("eval")
    .description("grade predictions: apply each patch in a fresh container, run the task's tests")
    .argument("<predictions>", "predictions.jsonl (instance_id, model_name_or_path, model_patch)")
    .option("--tasks <file>", "the task file the predictions answer")
    .option("--out <dir>", "output folder: summary.json, report.html, one folder per task")
    .option("--workers <n>", "tasks graded in parallel (default 1)")
    .option("--instances <ids|regex>", "only these instance ids or those matching a regex")
    .option("--mirror <dir>", "local mirrors of the repositories")
    .addOption(
      new Option("--sandbox <kind>", "where tests run (default auto)").choices(["auto", "docker", "local"]),
    )
    .option("--timeout <duration>", "time limit of one task's test run (default 30m)")
    .option("--cache-dir <dir>", "bare clones of repositories (default ~/.cache/fixpoint/repos)")
    .option("--image-template <name>", "per-task image name template, or none")
    .option("--base-image <image>", "base image for environment builds (default FIXPOINT_BASE_IMAGE)")
    .option("--recipes <dir>", "recipes folder (default environments/recipes)")
    .option("--grade-empty", "run the tests for empty patches too (a harness check: they must not pass)")
    .option(
      "--runs <dir>",
      "folder of the suite run (for cost/steps/time charts; default the predictions' folder)",
    )
    .option("--json", "print the summary as JSON");
  withQueueFlags(evaluate, false).action(lazyAction(async () => (await import("./suite.js")).runEvalCommand));
  registerSuiteStatusCommand(suite);
}
