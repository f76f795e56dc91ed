/**
 * The local sandbox: a temporary clone of the repository at the base commit, and a persistent
 * bash on this machine. The clone has no hard links or alternates into the user's repository
 * (see `cloneObjects`) and is `--no-checkout` followed by a detached checkout of the base
 * commit, so the user's repository — its work tree, index, branches and worktree list — is
 * only ever read.
 * Uncommitted changes of the user's checkout are not included: the base commit is what counts.
 * Not an isolation boundary: commands run as the user, on the user's machine.
 */
import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { cleanGitEnv, InfraError, type ProcessOptions, runProcess } from "../common/index.js";
import { type Logger, silentLogger, withoutSecrets } from "../log/index.js";
import { checkSandboxId, makeCheckout, newSandboxId, resolveCommit, resolveRepository } from "./checkout.js";
import { diffScript, parseNames } from "./diff-script.js";
import { trackSandbox, untrackSandbox } from "./registry.js";
import type { ShellRunOptions } from "./shell.js";
import {
  PersistentShell,
  type ShellHost,
  type ShellProcess,
  type ShellSignal,
  SIGNAL_SCRIPT,
} from "./shell.js";
import type { ExecOptions, ExecResult, Sandbox } from "./types.js";

export interface LocalSandboxOptions {
  repoPath: string;
  /** Commit-ish to start from; default the repository's HEAD. Resolved to a full sha. */
  baseCommit?: string;
  log?: Logger;
  /** Default timeout of a command (ms); default 120 s. */
  commandTimeoutMs?: number;
  id?: string;
}

/** Our environment minus secrets (the agent's commands must not see API keys) and git redirects. */
function sandboxEnv(): NodeJS.ProcessEnv {
  return withoutSecrets(cleanGitEnv(process.env));
}

class LocalHost implements ShellHost {
  private child: ReturnType<typeof spawn> | null = null;

  constructor(
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get shellPid(): number | undefined {
    return this.child?.pid;
  }

  async spawn(): Promise<ShellProcess> {
    // Detached: the shell leads its own process group, apart from ours, so a Ctrl-C at the
    // terminal reaches fixpoint (which then closes the sandbox) rather than the agent's shell.
    const child = spawn("bash", ["--noprofile", "--norc"], {
      cwd: this.cwd,
      env: this.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    const exited = new Promise<number | null>((r) => {
      child.once("exit", (code, signal) => r(code ?? (signal ? 128 + (signal === "SIGKILL" ? 9 : 2) : null)));
      child.once("error", () => r(null));
    });
    return { stdin: child.stdin!, stdout: child.stdout!, stderr: child.stderr!, exited };
  }

  async signalCommands(signal: ShellSignal, shellPid: number, startFile: string): Promise<void> {
    await runProcess("bash", ["-c", SIGNAL_SCRIPT, "fixpoint-signal", signal, String(shellPid), startFile], {
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      timeoutMs: 10_000,
    });
  }

  async killShell(_proc: ShellProcess, shellPid: number | null): Promise<void> {
    const pid = shellPid ?? this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

class LocalSandbox implements Sandbox {
  readonly kind = "local" as const;
  readonly environment = `local:${hostname()}`;
  private closing: Promise<void> | null = null;

  constructor(
    readonly id: string,
    readonly root: string,
    readonly baseCommit: string,
    private readonly dir: string,
    private readonly stateDir: string,
    private readonly shell: PersistentShell,
    private readonly host: LocalHost,
    private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  private abs(path: string): string {
    return isAbsolute(path) ? path : resolve(this.root, path);
  }

  get scratch(): string {
    return join(this.dir, "scratch");
  }

  async health(): Promise<string | null> {
    if (this.closing) return "the sandbox is closed";
    return existsSync(join(this.root, ".git")) ? null : `the sandbox's checkout ${this.root} is gone`;
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const o: ShellRunOptions = {};
    if (options.timeoutMs !== undefined) o.timeoutMs = options.timeoutMs;
    if (options.signal !== undefined) o.signal = options.signal;
    if (options.cwd !== undefined) o.cwd = this.abs(options.cwd);
    if (options.env !== undefined) o.env = options.env;
    return this.shell.run(command, o);
  }

  execOnce(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closing) return Promise.reject(new InfraError("the sandbox is closed"));
    const cwd = options.cwd ? this.abs(options.cwd) : this.root;
    const o: ProcessOptions = {
      cwd,
      env: { ...this.env, ...(options.env ?? {}) },
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      maxOutputChars: 2_000_000,
    };
    if (options.stdin !== undefined) o.stdin = options.stdin;
    return runProcess("bash", ["-c", command], o).then((r) => ({ ...r, cwd }));
  }

  readFile(path: string): Promise<string> {
    return readFile(this.abs(path), "utf8");
  }

  async writeFile(path: string, content: string): Promise<void> {
    const p = this.abs(path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
  }

  private async runDiff(mode: "patch" | "names"): Promise<string> {
    const env = { ...cleanGitEnv(this.env), TMPDIR: this.stateDir };
    const r = await runProcess("bash", ["-c", diffScript(this.baseCommit, mode)], { cwd: this.root, env });
    if (r.exitCode !== 0)
      throw new InfraError(`git diff in the sandbox failed: ${r.stderr.trim().split("\n").pop()}`);
    return r.stdout;
  }

  async listChangedFiles(): Promise<string[]> {
    return parseNames(await this.runDiff("names"));
  }

  diff(): Promise<string> {
    return this.runDiff("patch");
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      untrackSandbox(this.id);
      await this.shell.close().catch(() => undefined);
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      await rm(this.stateDir, { recursive: true, force: true });
      this.log.debug({ sandbox: this.id }, "sandbox: local sandbox removed");
    })();
    return this.closing;
  }

  closeSync(): void {
    const pid = this.host.shellPid;
    if (pid) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** Makes a local sandbox: a temporary clone at the base commit with a persistent shell. */
export async function createLocalSandbox(opts: LocalSandboxOptions): Promise<Sandbox> {
  const log = opts.log ?? silentLogger;
  const repo = await resolveRepository(opts.repoPath);
  const base = await resolveCommit(repo, opts.baseCommit ?? "HEAD");
  const id = checkSandboxId(opts.id ?? newSandboxId());
  const dir = await realpath(await mkdtemp(join(tmpdir(), `fixpoint-${id}-`)));
  let stateDir: string | null = null;
  try {
    const root = join(dir, "repo");
    // The shell writes small state files on every command: on tmpfs where there is one.
    const state = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : dir, `fixpoint-${id}-`)).catch(
      () => mkdtemp(join(dir, "state-")),
    );
    stateDir = state;
    await makeCheckout(repo, base, root, "if-missing");

    const env = sandboxEnv();
    const host = new LocalHost(root, env);
    const timeoutMs = opts.commandTimeoutMs ?? 120_000;
    const shell = new PersistentShell(host, { cwd: root, stateDir: state, timeoutMs, log });
    await shell.start();
    const sb = new LocalSandbox(id, root, base, dir, state, shell, host, env, timeoutMs, log);
    trackSandbox(sb);
    log.debug({ sandbox: id, root, base }, "sandbox: local sandbox ready");
    return sb;
  } catch (e) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    if (stateDir) await rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
