/**
 * Host-side process helpers: a one-off command in its own process group with a timeout
 * (SIGINT to the group, then SIGKILL), and git invocations that ignore the caller's GIT_*
 * location variables so they always act on the directory they are given.
 */
import { execFile, spawn } from "node:child_process";
import { InfraError } from "../common/index.js";
import { OutputCollector } from "./output.js";
import type { ExecResult } from "./types.js";

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin?: string;
  timeoutMs: number;
  graceMs?: number;
  maxOutputChars?: number;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Runs `file args` in a new process group; a timeout interrupts the whole group. */
export function runProcess(file: string, args: string[], o: ProcessOptions): Promise<ExecResult> {
  const started = Date.now();
  const grace = o.graceMs ?? 1000;
  const out = new OutputCollector(o.maxOutputChars ?? 2_000_000);
  const err = new OutputCollector(o.maxOutputChars ?? 2_000_000);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: [o.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let timedOut = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    if (o.stdin !== undefined && child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(o.stdin);
    }
    timers.push(
      setTimeout(() => {
        timedOut = true;
        killGroup(child.pid, "SIGINT");
        timers.push(setTimeout(() => killGroup(child.pid, "SIGKILL"), grace));
      }, o.timeoutMs),
    );
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      // Leftover members of the group (background jobs) do not outlive a one-off command.
      killGroup(child.pid, "SIGKILL");
      const exitCode = timedOut ? 124 : (code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0));
      resolve({
        exitCode,
        stdout: out.text(),
        stderr: err.text(),
        timedOut,
        cwd: o.cwd,
        durationMs: Date.now() - started,
      });
    };
    child.once("error", (e) => {
      for (const t of timers) clearTimeout(t);
      if (!settled) {
        settled = true;
        reject(new InfraError(`could not run ${file}: ${e.message}`, { cause: e }));
      }
    });
    child.once("exit", (code, signal) => {
      // Give the pipes a moment to drain; a background process holding them open must not
      // keep the command from finishing.
      const t = setTimeout(() => finish(code, signal), 500);
      child.once("close", () => {
        clearTimeout(t);
        finish(code, signal);
      });
    });
  });
}

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

/** The caller's environment without variables that would redirect git elsewhere. */
export function cleanGitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of GIT_LOCATION_VARS) delete out[k];
  return out;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git in `cwd`; never throws for a non-zero exit (the caller decides). */
export function git(args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanGitEnv()): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env, maxBuffer: 1 << 30, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error && typeof (error as NodeJS.ErrnoException).code === "string") {
        reject(new InfraError(`could not run git: ${error.message}`, { cause: error }));
        return;
      }
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A bash script that prints the diff (or the NUL-separated changed paths) of the work tree in
 * the current directory against `base`, untracked files included. It stages into a temporary
 * copy of the index, so neither the index nor anything else the agent sees changes.
 */
export function diffScript(base: string, mode: "patch" | "names"): string {
  if (!/^[0-9a-f]{7,64}$/i.test(base)) throw new InfraError(`not a commit id: ${base}`);
  const diff =
    mode === "patch"
      ? `git -c core.quotepath=off diff --cached --binary --no-color --no-ext-diff --no-textconv --no-renames ${base} --`
      : `git -c core.quotepath=off diff --cached --name-only -z --no-renames ${base} --`;
  return [
    "set -e",
    "idx=$(mktemp)",
    'trap \'rm -f "$idx" "$idx.lock"\' EXIT',
    "real=$(git rev-parse --git-path index)",
    'if [ -f "$real" ]; then cp "$real" "$idx"; else rm -f "$idx"; fi',
    'export GIT_INDEX_FILE="$idx"',
    "git add -A . >/dev/null",
    diff,
  ].join("\n");
}

/** Parses the output of `diffScript(base, "names")`. */
export function parseNames(z: string): string[] {
  return z.split("\0").filter((s) => s.length > 0);
}
