/**
 * `fixpoint worker --queue URL`: runs suite tasks and gradings from the queue until SIGTERM or
 * SIGINT, then stops taking jobs, lets running ones finish within `--grace` (handing back the
 * rest) and exits 0. Exit codes: 0 stopped cleanly, 2 bad flags, 3 Redis did not answer at start.
 * API keys come from this machine's environment; they never travel through the queue.
 */
import { mkdtempSync } from "node:fs";
import { homedir, hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { describeZodError, parseDuration, UsageError } from "../common/index.js";
import { createLogger, registerEnvSecrets } from "../log/index.js";
import { createModel } from "../model/index.js";
import { parseQueueUrl, probeRedis, startQueueWorker } from "../queue/index.js";
import { closeAllSandboxes, dockerAvailable } from "../sandbox/index.js";

const Flags = z.object({
  queue: z.string({ error: "--queue is required" }).min(1),
  concurrency: z.coerce.number().int().min(1, "--concurrency must be ≥ 1").max(64).default(1),
  mirror: z.string().optional(),
  cacheDir: z.string().optional(),
  recipes: z.string().optional(),
  baselineCache: z.string().optional(),
  workDir: z.string().optional(),
  // Part of a Redis client name: no spaces.
  name: z
    .string()
    .regex(/^[\w.:@-]{1,64}$/, "--name must be at most 64 of [A-Za-z0-9_.:@-]")
    .optional(),
  grace: z.string().default("5m"),
  lockDuration: z.string().default("60s"),
});

function durationMs(flag: string, v: string): number {
  try {
    return parseDuration(v);
  } catch {
    throw new UsageError(`${flag}: "${v}" is not a duration (examples: 90s, 15m, 1h)`);
  }
}

export async function runWorkerCommand(rawFlags: Record<string, unknown>): Promise<number> {
  const r = Flags.safeParse(rawFlags);
  if (!r.success) throw new UsageError(describeZodError("flags", r.error.issues).replace(/^flags: /, ""));
  const flags = r.data;
  const url = parseQueueUrl(flags.queue);
  const graceMs = durationMs("--grace", flags.grace);
  const lockMs = durationMs("--lock-duration", flags.lockDuration);
  registerEnvSecrets();
  const name = flags.name ?? `${hostname()}:${process.pid}`;
  const workDir = flags.workDir ? resolve(flags.workDir) : mkdtempSync(join(tmpdir(), "fixpoint-worker-"));
  const log = createLogger({ file: join(workDir, "worker.log"), pretty: false });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // Waits for Redis at start (a worker started before its Redis is fine), up to a minute.
  await probeRedis(url, "worker");
  const worker = await startQueueWorker({
    url,
    name,
    concurrency: flags.concurrency,
    ...(flags.mirror ? { mirror: resolve(flags.mirror) } : {}),
    cacheDir: flags.cacheDir
      ? resolve(flags.cacheDir)
      : (process.env.FIXPOINT_CACHE_DIR ?? join(homedir(), ".cache", "fixpoint", "repos")),
    ...(flags.recipes ? { recipesDir: resolve(flags.recipes) } : {}),
    ...(flags.baselineCache ? { baselineCacheDir: resolve(flags.baselineCache) } : {}),
    workDir,
    makeModel: (spec) => createModel(spec, {}),
    resolveSandbox: async (kind) =>
      kind === "local" ? "local" : kind === "docker" || (await dockerAvailable()) ? "docker" : "local",
    lockDurationMs: lockMs,
    log,
    report: say,
  });
  await new Promise<void>((done) => {
    let signals = 0;
    const on = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        // A second signal: leave now; the jobs' locks expire and other workers take them.
        void closeAllSandboxes().finally(() => process.exit(130));
        return;
      }
      say(`worker ${name}: ${sig}: finishing running jobs (grace ${Math.round(graceMs / 1000)} s)`);
      void worker
        .stop(graceMs)
        .then(() => closeAllSandboxes())
        .finally(done);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
  say(`worker ${name}: stopped`);
  return 0;
}
