/**
 * The one way fixpoint runs a host process and collects its output: `runProcess(file, args)`.
 * The process leads a process group of its own; a timeout interrupts the whole group (SIGINT,
 * then SIGKILL after a grace period), and members left behind when it exits (background jobs)
 * are killed too, so a one-off command never outlives its call. A non-zero exit is a result,
 * not an error; only a process that cannot be started at all (a missing binary or folder)
 * rejects, with an InfraError. Git goes through `git()` (./git.ts), not through this.
 */
import { spawn } from "node:child_process";
import { InfraError } from "./errors.js";
import { OutputCollector } from "./output.js";

export interface ProcessOptions {
  /** Working directory; default ours. */
  cwd?: string;
  /** The process's whole environment; default ours (`process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Written to standard input, which is then closed; without it stdin is /dev/null. */
  stdin?: string | Uint8Array;
  /** Interrupt the process group after this long (exit code 124, `timedOut`); default never. */
  timeoutMs?: number;
  /** How long an interrupted group has before SIGKILL; default 1 s. */
  graceMs?: number;
  /** Characters kept of each stream (head and tail, the middle elided with a note); default all. */
  maxOutputChars?: number;
}

export interface ProcessResult {
  /** The exit code; 128 + n when killed by signal n; 124 when the timeout struck. */
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
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

/** Runs `file args` to completion in a new process group (no shell: `args` are passed as they are). */
export function runProcess(
  file: string,
  args: readonly string[],
  o: ProcessOptions = {},
): Promise<ProcessResult> {
  const started = Date.now();
  const grace = o.graceMs ?? 1000;
  const out = new OutputCollector(o.maxOutputChars ?? Number.POSITIVE_INFINITY);
  const err = new OutputCollector(o.maxOutputChars ?? Number.POSITIVE_INFINITY);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
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
    if (o.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killGroup(child.pid, "SIGINT");
          timers.push(setTimeout(() => killGroup(child.pid, "SIGKILL"), grace));
        }, o.timeoutMs),
      );
    }
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
      // The output is complete when the pipes close. A background job still holding them must
      // not keep the command from finishing: half a second after the exit the group is killed,
      // which closes them (output still in a pipe is read first); a process that left the group
      // is given two seconds more.
      timers.push(
        setTimeout(() => {
          killGroup(child.pid, "SIGKILL");
          timers.push(setTimeout(() => finish(code, signal), 2000));
        }, 500),
      );
      child.once("close", () => finish(code, signal));
    });
  });
}
