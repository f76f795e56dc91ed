/**
 * Chooses the sandbox: Docker where an engine answers (the default, `auto`), the local sandbox
 * otherwise or when asked. Without an explicit image, the Docker sandbox uses the repository's
 * environment image, built (or reused) from `environments/`.
 */

import { InfraError, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import type { CheckoutHistory } from "./checkout.js";
import { createDockerSandbox, dockerAvailable, dockerUnavailableMessage } from "./docker.js";
import { buildEnvironmentImage } from "./environment.js";
import { createLocalSandbox } from "./local.js";
import type { Sandbox } from "./types.js";

export interface OpenSandboxOptions {
  kind: "auto" | "docker" | "local";
  repoPath: string;
  baseCommit?: string;
  log?: Logger;
  commandTimeoutMs?: number;
  /** Sandbox id / run id label. */
  runId?: string;
  /** Docker: the image to run; default the repository's environment image. */
  image?: string;
  /** Docker: base image for environment builds (default FIXPOINT_BASE_IMAGE or debian:bookworm-slim). */
  baseImage?: string;
  network?: boolean;
  /** Docker memory limit: bytes, or "512m", "4g". */
  memory?: string | number;
  memoryBytes?: number;
  cpus?: number;
  pids?: number;
  pidsLimit?: number;
  user?: string;
  /** The repository's whole history in the sandbox (default), or the base commit alone (graders). */
  history?: CheckoutHistory;
}

/** Parses "512m", "4g", "1.5G", "1048576" into bytes. */
export function parseMemory(value: string | number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new UsageError(`memory: "${value}" is not a size (examples: 512m, 4g)`);
  const mult: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * mult[m[2]!.toLowerCase()]!);
}

export async function openSandbox(opts: OpenSandboxOptions): Promise<Sandbox> {
  const log = opts.log ?? silentLogger;
  const common = {
    repoPath: opts.repoPath,
    log,
    ...(opts.baseCommit ? { baseCommit: opts.baseCommit } : {}),
    ...(opts.commandTimeoutMs ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
  };
  let kind = opts.kind;
  if (kind !== "local") {
    const up = await dockerAvailable();
    if (!up && kind === "docker") throw new InfraError(dockerUnavailableMessage());
    if (!up) log.info("sandbox: Docker is not answering; using the local sandbox");
    kind = up ? "docker" : "local";
  }
  if (kind === "local") return createLocalSandbox({ ...common, ...(opts.runId ? { id: opts.runId } : {}) });

  let image = opts.image;
  if (!image) {
    try {
      const env = await buildEnvironmentImage({
        repoPath: opts.repoPath,
        log,
        ...(opts.baseCommit ? { baseCommit: opts.baseCommit } : {}),
        ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
      });
      image = env.image;
    } catch (err) {
      // `auto` means "Docker if it can be had": an image that cannot be built (no registry, a
      // failing install) falls back to the local sandbox, loudly. `--sandbox docker` fails.
      if (opts.kind !== "auto") throw err;
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      log.warn({ err: why }, "sandbox: could not build the environment image; using the local sandbox");
      process.stderr.write(`fixpoint: Docker environment image failed (${why}); using the local sandbox\n`);
      return createLocalSandbox({ ...common, ...(opts.runId ? { id: opts.runId } : {}) });
    }
  }
  const memory = opts.memoryBytes ?? (opts.memory !== undefined ? parseMemory(opts.memory) : undefined);
  const pids = opts.pidsLimit ?? opts.pids;
  return createDockerSandbox({
    ...common,
    image,
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(opts.network !== undefined ? { network: opts.network } : {}),
    ...(memory !== undefined ? { memoryBytes: memory } : {}),
    ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
    ...(pids !== undefined ? { pidsLimit: pids } : {}),
    ...(opts.user ? { user: opts.user } : {}),
    ...(opts.history ? { history: opts.history } : {}),
  });
}
