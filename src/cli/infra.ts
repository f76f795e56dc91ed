/** `fixpoint sandbox gc` and `fixpoint env build`: the Docker side, for users and CI. */
import type { Command } from "commander";

// dockerode (and the logger) load when a command runs, not for every fixpoint command.
const sandboxModule = () => import("../sandbox/index.js");

export function registerInfraCommands(program: Command): void {
  const sandbox = program.command("sandbox").description("manage sandboxes");
  sandbox
    .command("gc")
    .description("remove containers left behind by interrupted runs (by label)")
    .option("--all", "also remove containers of fixpoint processes that are still running")
    .option("--run <id>", "only the containers of this run id")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean; all?: boolean; run?: string }) => {
      const { gcSandboxes } = await sandboxModule();
      const removed = await gcSandboxes({ all: Boolean(opts.all), ...(opts.run ? { run: opts.run } : {}) });
      if (opts.json) console.log(JSON.stringify({ removed }));
      else console.log(`removed ${removed} leftover sandbox container${removed === 1 ? "" : "s"}`);
    });

  const env = program.command("env").description("environment images");
  env
    .command("build")
    .description("build (or reuse) the Docker image with the repository's dependencies installed")
    .requiredOption("--repo <path>", "the repository")
    .option("--base-image <image>", "base image (default: the public Debian image, or FIXPOINT_BASE_IMAGE)")
    .option("--json", "print JSON")
    .action(async (opts: { repo: string; baseImage?: string; json?: boolean }) => {
      const { createLogger } = await import("../log/index.js");
      const log = createLogger({ pretty: Boolean(process.stderr.isTTY) && !opts.json, level: "info" });
      const t0 = performance.now();
      const { buildEnvironmentImage } = await sandboxModule();
      const built = await buildEnvironmentImage({
        repoPath: opts.repo,
        ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
        log,
      });
      const ms = Math.round(performance.now() - t0);
      if (opts.json) console.log(JSON.stringify({ ...built, ms }));
      else console.log(`${built.reused ? "reused" : "built"} ${built.image} in ${ms} ms`);
    });
}
