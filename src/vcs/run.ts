/** Running git: simple-git for ordinary operations, a plain spawn where exit codes are the answer. */
import { spawn } from "node:child_process";
import { type SimpleGit, simpleGit } from "simple-git";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Added to the process environment. */
  env?: Record<string, string>;
  input?: string;
}

/** Runs a command to completion; never throws for a non-zero exit (a missing binary gives code 127). */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: e.message }));
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** git never prompts (a prompt would hang an unattended run). */
const BASE_ENV = { GIT_TERMINAL_PROMPT: "0" };

export function gitIn(cwd: string, args: string[], opts: Omit<RunOptions, "cwd"> = {}): Promise<RunResult> {
  return runCommand("git", args, { ...opts, cwd, env: { ...BASE_ENV, ...opts.env } });
}

/**
 * A simple-git instance with extra environment. simple-git refuses some environment variables
 * (GIT_CONFIG_COUNT, EDITOR, PAGER, SSH settings) unless allowed; the environment here is the
 * user's own plus what this module sets, and arguments never carry `-c` from outside, so they
 * are allowed.
 */
export function makeGit(baseDir: string, env: Record<string, string> = {}): SimpleGit {
  const git = simpleGit({
    baseDir,
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
    },
  });
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) full[k] = v;
  return git.env({ ...full, ...BASE_ENV, ...env });
}

/** The telling line of git's stderr (a fatal/error/rejected line, else the first), for one-line errors. */
export function firstLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^hint:/.test(l));
  const telling = lines.find((l) => /^(fatal|error):|\[(remote )?rejected\]|^remote: (error|fatal)/i.test(l));
  return telling ?? lines[0] ?? "(no output)";
}
