/**
 * A persistent bash with a sentinel protocol, independent of where bash runs (a local child
 * process, or an attached `docker exec` stream). Each command is written to the shell's stdin
 * and followed by a marker line `\n<token>:<seq>:<exit code>:<cwd>:<token>\n` printed on both
 * stdout and stderr, so the reader knows when the output of that command is complete and what
 * the exit code and working directory are. `cd`, `export` and `source venv/bin/activate`
 * persist because the command is `eval`ed in the shell itself.
 *
 * The shell runs with job control on (`set -m`), so every foreground job of a command gets its
 * own process group; a timeout sends SIGINT to the process groups started by that command, then
 * SIGKILL, and if the shell still does not answer (a busy builtin loop, a redirected stdout) it
 * is killed and a new one started with the last cwd and exported variables restored.
 */
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { InfraError, OutputCollector, shellQuote, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import type { ExecResult } from "./types.js";

export type ShellSignal = "INT" | "KILL";

export interface ShellProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves with the shell's exit code (null when unknown) once it has ended. */
  exited: Promise<number | null>;
}

/** Where a shell runs: how to start one, signal what it started, and end it. */
export interface ShellHost {
  /** Starts `bash --noprofile --norc` reading commands from its stdin. */
  spawn(): Promise<ShellProcess>;
  /**
   * Runs `SIGNAL_SCRIPT` next to the shell (same machine or container) with arguments
   * `signal shellPid startFile`: signals the process groups the current command started
   * (startFile given), or everything the shell started (startFile "").
   */
  signalCommands(signal: ShellSignal, shellPid: number, startFile: string): Promise<void>;
  /** Ends the shell process itself (after its commands were killed). */
  killShell(proc: ShellProcess, shellPid: number | null): Promise<void>;
}

/**
 * Signals the descendants of a shell, by process group. Reads /proc only (no procps needed in
 * minimal images). With a start file (the uptime written by the command's prologue), only the
 * shell's children started since then are targeted, so background jobs of earlier commands
 * (a server the agent started) survive a later command's timeout.
 * Arguments: INT|KILL, the shell's pid, the start file or "".
 */
export const SIGNAL_SCRIPT = `
sig=$1 shell=$2 startfile=$3
since=0
if [ -n "$startfile" ] && read -r t0 _ < "$startfile" 2>/dev/null; then
  t0=\${t0/./}
  since=$(( 10#$t0 - 1 ))
fi
declare -A ppid_of pgid_of start_of kids
for f in /proc/[0-9]*/stat; do
  line=
  read -r line < "$f" 2>/dev/null || continue
  [ -n "$line" ] || continue
  pid=\${f#/proc/}; pid=\${pid%/stat}
  rest=\${line##*) }
  set -f
  set -- $rest
  set +f
  ppid_of[$pid]=$2; pgid_of[$pid]=$3; start_of[$pid]=\${20}
  kids[$2]+=" $pid"
done
shell_pgid=\${pgid_of[$shell]:-$shell}
declare -A groups pids
for c in \${kids[$shell]:-}; do
  [ "\${start_of[$c]:-0}" -ge "$since" ] || continue
  queue=($c)
  while [ \${#queue[@]} -gt 0 ]; do
    p=\${queue[0]}; queue=("\${queue[@]:1}")
    g=\${pgid_of[$p]:-}
    if [ -n "$g" ] && [ "$g" != "$shell_pgid" ]; then groups[$g]=1; else pids[$p]=1; fi
    for q in \${kids[$p]:-}; do queue+=($q); done
  done
done
for g in "\${!groups[@]}"; do kill -s "$sig" -- "-$g" 2>/dev/null; done
for p in "\${!pids[@]}"; do kill -s "$sig" "$p" 2>/dev/null; done
exit 0
`;

/** Variables that make common tools behave when nobody is at a terminal. */
const NON_INTERACTIVE_ENV: Record<string, string> = {
  PAGER: "cat",
  GIT_PAGER: "cat",
  MANPAGER: "cat",
  SYSTEMD_PAGER: "",
  GIT_TERMINAL_PROMPT: "0",
  GIT_EDITOR: "true",
  EDITOR: "true",
  DEBIAN_FRONTEND: "noninteractive",
  PIP_NO_INPUT: "1",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  NO_COLOR: "1",
  TERM: "dumb",
};

export interface PersistentShellOptions {
  /** Working directory of a new shell. */
  cwd: string;
  /** A directory next to the shell (same machine/container) for its state files; must exist. */
  stateDir: string;
  /** Variables exported when a shell starts (after NON_INTERACTIVE_ENV). */
  env?: Record<string, string>;
  /** Default per-command timeout. */
  timeoutMs?: number;
  /** Time given to a command after SIGINT, and after SIGKILL, before giving up on the shell. */
  graceMs?: number;
  /** Bound on each of stdout and stderr kept per command (head and tail). */
  maxOutputChars?: number;
  log?: Logger;
}

export interface ShellRunOptions {
  timeoutMs?: number;
  /** Run in this directory; the shell's own cwd is restored afterwards. */
  cwd?: string;
  /** Variables for this command only. */
  env?: Record<string, string>;
  /** Aborting interrupts the command as a timeout would (exit code 130), keeping the shell. */
  signal?: AbortSignal;
}

type Outcome =
  | { kind: "done"; exitCode: number; cwd: string }
  | { kind: "died"; code: number | null }
  | { kind: "timeout" };

interface Pending {
  seq: number;
  outBody: string | null;
  errBody: string | null;
  settle: (o: Outcome) => void;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits for `p`, at most `ms`; an aborted `signal` ends the wait early, like a timeout. */
async function within<T>(p: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | { kind: "timeout" }> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const t = new Promise<{ kind: "timeout" }>((r) => {
    timer = setTimeout(() => r({ kind: "timeout" }), Math.max(0, ms));
    if (signal) {
      onAbort = () => r({ kind: "timeout" });
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

export class PersistentShell {
  private readonly token = `__FP${randomBytes(10).toString("hex")}`;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly graceMs: number;
  private readonly maxOutputChars: number;
  private proc: ShellProcess | null = null;
  private pid: number | null = null;
  private seq = 0;
  private lastCwd: string;
  private out: OutputCollector;
  private err: OutputCollector;
  private pending: Pending | null = null;
  /** The collectors of the running command once its marker arrived (new output goes to fresh ones). */
  private finishedOut: OutputCollector | null = null;
  private finishedErr: OutputCollector | null = null;
  private streamsEnded: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private restartCount = 0;

  constructor(
    private readonly host: ShellHost,
    private readonly opts: PersistentShellOptions,
  ) {
    this.log = opts.log ?? silentLogger;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.graceMs = opts.graceMs ?? 1000;
    this.maxOutputChars = opts.maxOutputChars ?? 2_000_000;
    this.lastCwd = opts.cwd;
    this.out = new OutputCollector(this.maxOutputChars);
    this.err = new OutputCollector(this.maxOutputChars);
  }

  /** The shell's working directory after the last command. */
  get cwd(): string {
    return this.lastCwd;
  }

  /** How many times the shell was replaced after dying or hanging. */
  get restarts(): number {
    return this.restartCount;
  }

  /** The shell's process id where it runs (null before start). */
  get shellPid(): number | null {
    return this.pid;
  }

  private get t0File(): string {
    return `${this.opts.stateDir}/t0`;
  }

  private get envFile(): string {
    return `${this.opts.stateDir}/env`;
  }

  /** Starts the shell; `run` also starts it lazily. */
  async start(): Promise<void> {
    await this.enqueue(async () => {
      if (!this.proc) await this.launch(false);
    });
  }

  /** Runs a command in the shell; commands on one shell run one at a time, in order. */
  run(command: string, options: ShellRunOptions = {}): Promise<ExecResult> {
    return this.enqueue(() => this.runNow(command, options));
  }

  /** Kills the shell and everything it started. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.killCurrent();
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const job = this.queue.then(fn);
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async launch(restore: boolean): Promise<void> {
    const proc = await this.host.spawn();
    this.proc = proc;
    this.pid = null;
    this.out = new OutputCollector(this.maxOutputChars);
    this.err = new OutputCollector(this.maxOutputChars);
    proc.stdin.on("error", () => undefined);
    proc.stdout.on("data", (c: Buffer) => this.onData(proc, "out", c));
    proc.stderr.on("data", (c: Buffer) => this.onData(proc, "err", c));
    const ended = (s: Readable) =>
      new Promise<void>((r) => {
        if (s.readableEnded || s.destroyed) r();
        s.once("end", r);
        s.once("close", r);
        s.once("error", () => r());
      });
    this.streamsEnded = Promise.all([ended(proc.stdout), ended(proc.stderr)]).then(() => undefined);
    void proc.exited.then(async (code) => {
      if (this.proc !== proc) return;
      // Let the last bytes of output arrive before calling the command finished.
      await within(this.streamsEnded, 200);
      if (this.proc !== proc) return;
      this.proc = null;
      this.pending?.settle({ kind: "died", code });
    });

    const env = { ...NON_INTERACTIVE_ENV, ...(this.opts.env ?? {}) };
    // With job control a non-interactive bash exits when its foreground job dies of SIGINT;
    // a trap keeps it alive (children still get the default SIGINT action).
    const lines = ["set -m", "trap : INT", ...this.helpers()];
    for (const [k, v] of Object.entries(env)) {
      if (ENV_NAME.test(k)) lines.push(`builtin export ${k}=${shellQuote(v)}`);
    }
    if (restore)
      lines.push(`{ [ -f ${shellQuote(this.envFile)} ] && . ${shellQuote(this.envFile)}; } >/dev/null 2>&1`);
    lines.push(`builtin cd -- ${shellQuote(restore ? this.lastCwd : this.opts.cwd)} 2>/dev/null`);
    proc.stdin.write(`${lines.join("\n")}\n`);

    const hello = await this.execute("builtin echo $$", { timeoutMs: START_TIMEOUT_MS }, false);
    const pid = Number(hello.stdout.trim());
    if (hello.timedOut || !Number.isInteger(pid) || pid <= 0) {
      await this.killCurrent();
      throw new InfraError(
        `the sandbox shell did not start (${hello.timedOut ? "no answer" : `got "${hello.stdout.trim()}" ${hello.stderr.trim()}`})`,
      );
    }
    this.pid = pid;
    this.lastCwd = hello.cwd;
  }

  private onData(proc: ShellProcess, which: "out" | "err", chunk: Buffer): void {
    if (proc !== this.proc) return;
    const collector = which === "out" ? this.out : this.err;
    collector.push(chunk);
    const p = this.pending;
    if (!p) return;
    const m = collector.findMarker(`\n${this.token}:${p.seq}:`, `:${this.token}\n`);
    if (!m) return;
    // What follows the marker is output of background jobs: it belongs to the next command.
    const next = new OutputCollector(this.maxOutputChars);
    next.push(m.rest);
    const finished = collector;
    if (which === "out") {
      p.outBody = m.body;
      this.out = next;
    } else {
      p.errBody = m.body;
      this.err = next;
    }
    if (which === "out") this.finishedOut = finished;
    else this.finishedErr = finished;
    if (p.outBody !== null && p.errBody !== null) {
      const body = p.outBody;
      const i = body.indexOf(":");
      p.settle({ kind: "done", exitCode: Number(body.slice(0, i)), cwd: body.slice(i + 1) });
    }
  }

  private async runNow(command: string, options: ShellRunOptions): Promise<ExecResult> {
    if (this.closed) throw new InfraError("the sandbox is closed");
    if (!this.proc) await this.launch(true);
    return this.execute(command, options, true);
  }

  /**
   * Prologue and epilogue live in functions defined once per shell: bash reads a script from a
   * pipe one byte at a time, so a short per-command script is a faster round trip.
   */
  private helpers(): string[] {
    const marker = `builtin printf '\\n%s:%s:%s:%s:%s\\n' ${this.token} "$1" "$2" "$PWD" ${this.token}`;
    return [
      `__fp_pre() { { builtin read -r __fp_t0 __fp_x < /proc/uptime && builtin printf '%s\\n' "$__fp_t0" > ${shellQuote(this.t0File)}; } 2>/dev/null; }`,
      `__fp_post() { { builtin export -p > ${shellQuote(this.envFile)}; } 2>/dev/null; ${marker}; ${marker} >&2; }`,
    ];
  }

  private script(command: string, seq: number, options: ShellRunOptions): string {
    let assigns = "";
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (!ENV_NAME.test(k)) throw new UsageError(`exec: env: "${k}" is not a variable name`);
      assigns += `${k}=${shellQuote(v)} `;
    }
    const run = `${assigns}eval ${shellQuote(command)} < /dev/null`;
    if (!options.cwd) return `__fp_pre\n${run}\n__fp_post ${seq} $?\n`;
    return [
      "__fp_pre",
      "__fp_prev=$PWD",
      `builtin cd -- ${shellQuote(options.cwd)} && ${run}`,
      "__fp_ec=$?",
      'builtin cd -- "$__fp_prev" 2>/dev/null',
      `__fp_post ${seq} $__fp_ec`,
      "",
    ].join("\n");
  }

  private async execute(command: string, options: ShellRunOptions, recover: boolean): Promise<ExecResult> {
    const proc = this.proc;
    if (!proc) throw new InfraError("the sandbox shell is not running");
    const started = Date.now();
    const seq = ++this.seq;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    this.finishedOut = null;
    this.finishedErr = null;
    const done = new Promise<Outcome>((resolve) => {
      this.pending = { seq, outBody: null, errBody: null, settle: resolve };
    });
    proc.stdin.write(this.script(command, seq, options));

    let outcome = await within(done, timeoutMs, options.signal);
    let timedOut = false;
    const interrupted = () => options.signal?.aborted === true;
    if (outcome.kind === "timeout") {
      timedOut = !interrupted();
      this.log.debug({ command, timeoutMs }, "sandbox: command timed out; interrupting");
      for (const signal of ["INT", "KILL"] as const) {
        if (this.pid !== null) {
          await this.host.signalCommands(signal, this.pid, this.t0File).catch(() => undefined);
        }
        outcome = await within(done, this.graceMs);
        if (outcome.kind !== "timeout") break;
      }
    }
    this.pending = null;
    const stdout = (this.finishedOut ?? this.out).text();
    const stderr = (this.finishedErr ?? this.err).text();
    if (!this.finishedOut) this.out = new OutputCollector(this.maxOutputChars);
    if (!this.finishedErr) this.err = new OutputCollector(this.maxOutputChars);
    this.finishedOut = null;
    this.finishedErr = null;

    if (outcome.kind === "done") {
      this.lastCwd = outcome.cwd || this.lastCwd;
      return {
        exitCode: timedOut ? 124 : interrupted() ? 130 : outcome.exitCode,
        stdout,
        stderr,
        timedOut,
        cwd: this.lastCwd,
        durationMs: Date.now() - started,
      };
    }

    // The shell died (the command ran `exit`, `set -e` tripped, it was killed) or it does not
    // answer even after its commands were killed: replace it, keeping cwd and exports.
    const why =
      outcome.kind === "died"
        ? `the shell exited${outcome.code === null ? "" : ` with code ${outcome.code}`}`
        : "the shell did not answer after the command was interrupted";
    await this.killCurrent();
    let note = `[fixpoint: ${why}`;
    if (recover && !this.closed) {
      this.restartCount++;
      this.log.warn({ command, why, cwd: this.lastCwd }, "sandbox: restarting the shell");
      await this.launch(true);
      note += `; a new shell was started in ${this.lastCwd} with the exported variables restored]`;
    } else {
      note += "]";
    }
    const code = outcome.kind === "died" ? outcome.code : null;
    return {
      exitCode: timedOut ? 124 : code === null || code === 0 ? 1 : code,
      stdout,
      stderr: stderr ? `${stderr}\n${note}` : note,
      timedOut,
      cwd: this.lastCwd,
      durationMs: Date.now() - started,
    };
  }

  private async killCurrent(): Promise<void> {
    const proc = this.proc;
    const pid = this.pid;
    this.proc = null;
    this.pid = null;
    if (!proc) return;
    if (pid !== null) await this.host.signalCommands("KILL", pid, "").catch(() => undefined);
    await this.host.killShell(proc, pid).catch(() => undefined);
    proc.stdin.destroy();
    await within(proc.exited, 2000);
    this.pending?.settle({ kind: "died", code: null });
    await sleep(0);
  }
}
