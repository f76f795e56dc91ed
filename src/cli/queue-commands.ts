/**
 * `fixpoint worker` and `fixpoint suite status`: the options. The implementations (./worker.js,
 * ./queue-status.js, with BullMQ) are imported when a command runs.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy.js";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("take suite tasks and gradings from a Redis queue and run them on this machine")
    .option("--queue <url>", "the queue: redis://[:password@]host:port[/db] (rediss:// for TLS)")
    .option("--concurrency <n>", "jobs run at once on this machine (default 1)")
    .option(
      "--mirror <dir>",
      "local mirrors of the repositories (OWNER+NAME/repo, OWNER/NAME or OWNER__NAME)",
    )
    .option("--cache-dir <dir>", "bare clones of repositories (default ~/.cache/fixpoint/repos)")
    .option("--recipes <dir>", "recipes folder (default environments/recipes)")
    .option("--baseline-cache <dir>", "test-gate baselines (default ~/.cache/fixpoint/baselines)")
    .option("--work-dir <dir>", "where task folders live while their job runs (default a temporary folder)")
    .option("--name <name>", "this worker's name in `suite status` (default host:pid)")
    .option(
      "--grace <duration>",
      "on SIGTERM/SIGINT: how long running jobs may finish before they are handed back (default 5m)",
    )
    .option("--lock-duration <duration>", "a dead worker's jobs are taken again after this (default 60s)")
    .action(lazyAction(async () => (await import("./worker.js")).runWorkerCommand));
}

export function registerSuiteStatusCommand(suite: Command): void {
  suite
    .command("status")
    .description("jobs on a queue per suite: waiting, running, done, failed, and which worker runs what")
    .option("--queue <url>", "the queue: redis://[:password@]host:port[/db]")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./queue-status.js")).runQueueStatusCommand));
}
