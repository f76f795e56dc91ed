/**
 * Git on the host, through simple-git: `git(args, cwd)` when the exit code is the answer (it
 * never throws for a non-zero exit), `gitClient(dir)` for simple-git's own API. Both run git
 * with our environment minus the variables that would point it at another repository
 * (GIT_DIR, GIT_INDEX_FILE, … — set when fixpoint runs inside a git hook), never prompting for
 * credentials (a prompt would hang an unattended run).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { SimpleGit, SimpleGitOptions } from "simple-git";
import { InfraError } from "./errors.js";

const GIT_LOCATION_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
];

/** `env` without the variables that would redirect git elsewhere. */
export function cleanGitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of GIT_LOCATION_VARS) delete out[k];
  return out;
}

function gitEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(cleanGitEnv())) if (v !== undefined) env[k] = v;
  return { ...env, GIT_TERMINAL_PROMPT: "0", ...extra };
}

/**
 * A simple-git instance in `baseDir` with `env` added to the environment. simple-git refuses
 * some variables (GIT_CONFIG_COUNT, EDITOR, PAGER, SSH settings) unless allowed; the environment
 * here is the user's own plus what fixpoint sets, and arguments never carry `-c` from outside,
 * so they are allowed.
 */
export function gitClient(
  baseDir: string,
  env: Record<string, string> = {},
  options: Partial<SimpleGitOptions> = {},
): SimpleGit {
  // simple-git loads on first use, not with every import of common (it adds ~40 ms of CPU to the
  // start of every fixpoint command, `--help` included).
  const { simpleGit } = createRequire(import.meta.url)("simple-git") as typeof import("simple-git");
  return simpleGit({
    baseDir,
    // The output is complete when the pipes close; half a second after the exit at the latest.
    completion: { onClose: true, onExit: 500 },
    ...options,
    unsafe: {
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeEditor: true,
      allowUnsafePager: true,
      allowUnsafeAskPass: true,
      allowUnsafeSshCommand: true,
      allowUnsafeGitProxy: true,
      allowUnsafeTemplateDir: true,
      allowUnsafeDiffExternal: true,
      allowUnsafePack: true,
    },
  }).env(gitEnv(env));
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Interrupt git after this long (code 124). */
  timeoutMs?: number;
}

/**
 * Runs `git args` in `cwd`; never throws for a non-zero exit (the caller decides). A folder that
 * does not exist gives code 128, as `git -C` does; a git that cannot be started, an InfraError.
 */
export async function git(args: string[], cwd: string, opts: GitOptions = {}): Promise<GitResult> {
  if (!existsSync(cwd)) {
    return { code: 128, stdout: "", stderr: `fatal: cannot change to '${cwd}': No such file or directory\n` };
  }
  let exitCode = 0;
  let stderr: Buffer[] = [];
  const abort = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
  const client = gitClient(cwd, opts.env, {
    ...(abort ? { abort } : {}),
    // Every exit is an answer; only a git that did not run (not found, aborted) is an error.
    errors: (error, result) => {
      exitCode = result.exitCode;
      stderr = result.stdErr;
      return result.exitCode === null || result.exitCode < 0 ? error : undefined;
    },
  });
  try {
    const stdout = await client.raw(args);
    return { code: exitCode, stdout, stderr: Buffer.concat(stderr).toString("utf8") };
  } catch (e) {
    if (abort?.aborted) {
      const text = `${Buffer.concat(stderr).toString("utf8")}git ${args[0]} timed out after ${opts.timeoutMs} ms\n`;
      return { code: 124, stdout: "", stderr: text };
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new InfraError(`could not run git: ${msg.split("\n")[0]}`, { cause: e });
  }
}

/**
 * `git args` in `cwd`, synchronously, for the code graph's few git reads that sit inside
 * synchronous code (listing files, the history log, the working tree's diff). Same environment
 * and answer as `git()`: never throws for a non-zero exit; code 128 when git cannot run there.
 */
export function gitSync(args: string[], cwd: string, opts: { maxBuffer?: number } = {}): GitResult {
  if (!existsSync(cwd)) {
    return { code: 128, stdout: "", stderr: `fatal: cannot change to '${cwd}': No such file or directory\n` };
  }
  const r = spawnSync("git", args, {
    cwd,
    env: gitEnv({}),
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024,
  });
  if (r.error && r.status === null) {
    throw new InfraError(`could not run git: ${r.error.message.split("\n")[0]}`, { cause: r.error });
  }
  return { code: r.status ?? 128, stdout: r.stdout.toString("utf8"), stderr: r.stderr.toString("utf8") };
}

/** The telling line of git's stderr (a fatal/error/rejected line, else the first), for one-line errors. */
export function gitErrorLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^hint:/.test(l));
  const telling = lines.find((l) => /^(fatal|error):|\[(remote )?rejected\]|^remote: (error|fatal)/i.test(l));
  return telling ?? lines[0] ?? "(no output)";
}
