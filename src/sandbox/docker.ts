/**
 * The Docker sandbox: one container per run, started from an environment image, with the
 * checkout copied in as a tar stream (the user's checkout is never mounted), no network by
 * default, memory/CPU/process limits, and a persistent bash over an attached `docker exec`
 * stream that reuses `PersistentShell`. Interrupting a command is a second exec that signals
 * the command's process groups inside the container.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { hostname, tmpdir } from "node:os";
import { join, posix } from "node:path";
import { PassThrough, type Readable, type Writable } from "node:stream";
import type Docker from "dockerode";
import { errorMessage, InfraError, OutputCollector, UsageError } from "../common/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import {
  type CheckoutHistory,
  checkSandboxId,
  makeGitDir,
  newSandboxId,
  resolveCommit,
  resolveRepository,
} from "./checkout.js";
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

/** Where the checkout lives inside the container (the SWE-bench convention). */
export const CONTAINER_ROOT = "/testbed";
/** The shell's state files, on a tmpfs: a file write on the container's overlay costs ms per command. */
const STATE_DIR = "/run/fixpoint";
const USER_HOME = "/tmp/fixpoint-home";
/** Scratch space for the harness (the baseline's pristine copy): inside the container, gone with it. */
const SCRATCH_DIR = "/tmp/fixpoint-scratch";
export const LABEL_MANAGED = "fixpoint.managed";
export const LABEL_RUN = "fixpoint.run";
export const LABEL_OWNER = "fixpoint.owner";

export const DOCKER_DEFAULTS = {
  memoryBytes: 4 * 1024 ** 3,
  cpus: 2,
  pidsLimit: 2048,
};

export interface DockerSandboxOptions {
  repoPath: string;
  baseCommit?: string;
  /** The environment image (see `buildEnvironmentImage`). */
  image: string;
  /** Run id, used as the sandbox id and the `fixpoint.run` label. */
  runId?: string;
  /** Give the container a network (default: none). */
  network?: boolean;
  memoryBytes?: number;
  cpus?: number;
  pidsLimit?: number;
  /** Run commands as this user (name or uid[:gid]); default root. */
  user?: string;
  /** The repository's whole history in the container (default), or the base commit alone. */
  history?: CheckoutHistory;
  log?: Logger;
  commandTimeoutMs?: number;
}

let client: Docker | null = null;

/** The Docker client (DOCKER_HOST or the local socket). */
export function dockerClient(): Docker {
  // dockerode loads with the first client, not with every import of the sandbox module.
  client ??= new (createRequire(import.meta.url)("dockerode") as typeof Docker)();
  return client;
}

/** Forgets the cached client (a changed DOCKER_HOST takes effect on next use). */
export function resetDockerClient(): void {
  client = null;
}

/** One line telling the user how to get Docker going, or to use the local sandbox. */
export function dockerUnavailableMessage(detail?: string): string {
  return (
    `Docker is not answering${detail ? ` (${detail})` : ""}: start it (sudo systemctl start docker, ` +
    "or sudo dockerd &, or open Docker Desktop), or run with --sandbox local"
  );
}

/** Whether a Docker engine answers within `timeoutMs`. */
export async function dockerAvailable(timeoutMs = 3000): Promise<boolean> {
  try {
    const ping = dockerClient().ping();
    const timer = new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error("timeout")), timeoutMs).unref(),
    );
    await Promise.race([ping, timer]);
    return true;
  } catch {
    return false;
  }
}

interface ExecSinks {
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
}

interface RawExecOptions {
  user?: string;
  workdir?: string;
  env?: string[];
  stdin?: string | Buffer;
}

/** A started exec: its raw stream, demuxed stdout and stderr, and a promise of its exit code. */
interface ExecStreams {
  stream: NodeJS.ReadWriteStream;
  stdout: Readable;
  stderr: Readable;
  exited: Promise<number | null>;
}

/** Starts an exec and returns its demuxed streams and a promise of its exit code. */
async function startExec(
  container: Docker.Container,
  cmd: string[],
  o: RawExecOptions & { keepStdinOpen?: boolean },
): Promise<ExecStreams> {
  const attachStdin = o.stdin !== undefined || o.keepStdinOpen === true;
  try {
    return await startExecRaw(container, cmd, o, attachStdin);
  } catch (e) {
    // The engine is gone (socket refused) or the container is (404, 409 not running): the
    // sandbox is lost, which is the harness's problem, not the command's.
    throw e instanceof InfraError ? e : new InfraError(`docker exec failed: ${errorMessage(e)}`);
  }
}

async function startExecRaw(
  container: Docker.Container,
  cmd: string[],
  o: RawExecOptions & { keepStdinOpen?: boolean },
  attachStdin: boolean,
): Promise<ExecStreams> {
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdin: attachStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(o.user ? { User: o.user } : {}),
    ...(o.workdir ? { WorkingDir: o.workdir } : {}),
    ...(o.env ? { Env: o.env } : {}),
  });
  const stream = (await exec.start({
    hijack: true,
    stdin: attachStdin,
  })) as unknown as NodeJS.ReadWriteStream & Readable;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  dockerClient().modem.demuxStream(stream, stdout, stderr);
  const exited = new Promise<number | null>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stdout.end();
      stderr.end();
      exec
        .inspect()
        .then((info) => resolve(typeof info.ExitCode === "number" ? info.ExitCode : null))
        .catch(() => resolve(null));
    };
    stream.once("end", finish);
    stream.once("close", finish);
    stream.once("error", finish);
  });
  if (o.stdin !== undefined) {
    stream.write(o.stdin);
    stream.end();
  }
  return { stream, stdout, stderr, exited };
}

/** Runs an exec to completion, collecting everything (for diffs and file reads). */
async function runExecFull(
  container: Docker.Container,
  cmd: string[],
  o: RawExecOptions = {},
): Promise<{ exitCode: number | null; stdout: Buffer; stderr: Buffer }> {
  const { stdout, stderr, exited } = await startExec(container, cmd, o);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (c: Buffer) => out.push(c));
  stderr.on("data", (c: Buffer) => err.push(c));
  const exitCode = await exited;
  return { exitCode, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

function wireSinks(stdout: Readable, stderr: Readable, sinks: ExecSinks): void {
  stdout.on("data", sinks.stdout);
  stderr.on("data", sinks.stderr);
}

class DockerHost implements ShellHost {
  private stream: NodeJS.ReadWriteStream | null = null;

  constructor(
    private readonly container: Docker.Container,
    private readonly user: string | undefined,
    private readonly env: string[],
  ) {}

  async spawn(): Promise<ShellProcess> {
    const { stream, stdout, stderr, exited } = await startExec(
      this.container,
      ["bash", "--noprofile", "--norc"],
      {
        ...(this.user ? { user: this.user } : {}),
        workdir: CONTAINER_ROOT,
        env: this.env,
        keepStdinOpen: true,
      },
    );
    this.stream = stream;
    return { stdin: stream as unknown as Writable, stdout, stderr, exited };
  }

  async signalCommands(signal: ShellSignal, shellPid: number, startFile: string): Promise<void> {
    await runExecFull(
      this.container,
      ["bash", "-c", SIGNAL_SCRIPT, "fixpoint-signal", signal, String(shellPid), startFile],
      { user: "0" },
    );
  }

  async killShell(_proc: ShellProcess, shellPid: number | null): Promise<void> {
    if (shellPid !== null) {
      await runExecFull(this.container, ["kill", "-9", String(shellPid)], { user: "0" }).catch(
        () => undefined,
      );
    }
    (this.stream as unknown as { destroy?: () => void } | null)?.destroy?.();
  }
}

function abs(path: string): string {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(CONTAINER_ROOT, path);
}

class DockerSandbox implements Sandbox {
  readonly kind = "docker" as const;
  readonly root = CONTAINER_ROOT;
  readonly scratch = SCRATCH_DIR;
  private closing: Promise<void> | null = null;
  private onceSeq = 0;

  constructor(
    readonly id: string,
    readonly baseCommit: string,
    private readonly container: Docker.Container,
    private readonly shell: PersistentShell,
    private readonly user: string | undefined,
    private readonly env: string[],
    private readonly timeoutMs: number,
    private readonly log: Logger,
    readonly environment: string,
  ) {}

  async health(): Promise<string | null> {
    if (this.closing) return "the sandbox is closed";
    try {
      const info = await withDeadline(this.container.inspect(), 15_000, "docker inspect");
      if (!info.State?.Running) return `the sandbox's container is ${info.State?.Status ?? "not running"}`;
      return null;
    } catch (e) {
      return `the Docker engine or the sandbox's container is gone (${errorMessage(e)})`;
    }
  }

  /** The container's id (for tests and `docker` commands). */
  get containerId(): string {
    return this.container.id;
  }

  private userOpt(): { user?: string } {
    return this.user ? { user: this.user } : {};
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closing) return Promise.reject(new InfraError("the sandbox is closed"));
    const o: ShellRunOptions = {};
    if (options.timeoutMs !== undefined) o.timeoutMs = options.timeoutMs;
    if (options.signal !== undefined) o.signal = options.signal;
    if (options.cwd !== undefined) o.cwd = abs(options.cwd);
    if (options.env !== undefined) o.env = options.env;
    return this.shell.run(command, o);
  }

  async execOnce(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (this.closing) throw new InfraError("the sandbox is closed");
    const started = Date.now();
    const cwd = options.cwd ? abs(options.cwd) : CONTAINER_ROOT;
    const pidFile = `${STATE_DIR}/once-${++this.onceSeq}.pid`;
    const env = [...this.env, ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)];
    // The wrapper records its pid so a timeout can signal what it started (by process group).
    const wrapper = 'echo $$ > "$0"; set -m; eval "$1"';
    const { stream, stdout, stderr, exited } = await startExec(
      this.container,
      ["bash", "-c", wrapper, pidFile, command],
      {
        ...this.userOpt(),
        workdir: cwd,
        env,
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      },
    );
    const out = new OutputCollector(2_000_000);
    const err = new OutputCollector(2_000_000);
    wireSinks(stdout, stderr, { stdout: (c) => out.push(c), stderr: (c) => err.push(c) });
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), timeoutMs);
    });
    let code = await Promise.race([exited, timeout]);
    clearTimeout(timer);
    if (code === "timeout") {
      timedOut = true;
      const pid = (await runExecFull(this.container, ["cat", pidFile], { user: "0" })).stdout
        .toString()
        .trim();
      for (const sig of ["INT", "KILL"] as const) {
        if (/^\d+$/.test(pid)) {
          await runExecFull(this.container, ["bash", "-c", SIGNAL_SCRIPT, "fixpoint-signal", sig, pid, ""], {
            user: "0",
          });
          if (sig === "KILL") await runExecFull(this.container, ["kill", "-9", pid], { user: "0" });
        }
        const r = await Promise.race([
          exited,
          new Promise<"late">((res) => setTimeout(() => res("late"), 1000)),
        ]);
        if (r !== "late") break;
      }
      (stream as unknown as { destroy?: () => void }).destroy?.();
      code = 124;
    }
    void runExecFull(this.container, ["rm", "-f", pidFile], { user: "0" }).catch(() => undefined);
    return {
      exitCode: timedOut ? 124 : ((code as number | null) ?? 1),
      stdout: out.text(),
      stderr: err.text(),
      timedOut,
      cwd,
      durationMs: Date.now() - started,
    };
  }

  async readFile(path: string): Promise<string> {
    const p = abs(path);
    const r = await runExecFull(this.container, ["cat", "--", p], this.userOpt());
    if (r.exitCode !== 0) {
      const msg = r.stderr.toString().trim();
      const e = new Error(
        `${p}: ${msg.replace(/^cat: [^:]*: /, "") || "cannot read"}`,
      ) as NodeJS.ErrnoException;
      if (/No such file/.test(msg)) e.code = "ENOENT";
      else if (/Is a directory/.test(msg)) e.code = "EISDIR";
      throw e;
    }
    return r.stdout.toString("utf8");
  }

  async writeFile(path: string, content: string): Promise<void> {
    const p = abs(path);
    // Through the shell as the sandbox user: existing files keep their mode and owner.
    const r = await runExecFull(
      this.container,
      ["bash", "-c", 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"', "fixpoint-write", p],
      { ...this.userOpt(), stdin: content },
    );
    if (r.exitCode !== 0) throw new Error(`${p}: ${r.stderr.toString().trim() || "cannot write"}`);
  }

  private async runDiff(mode: "patch" | "names"): Promise<string> {
    const r = await runExecFull(this.container, ["bash", "-c", diffScript(this.baseCommit, mode)], {
      ...this.userOpt(),
      workdir: CONTAINER_ROOT,
      env: this.env,
    });
    if (r.exitCode !== 0) {
      throw new InfraError(`git diff in the sandbox failed: ${r.stderr.toString().trim().split("\n").pop()}`);
    }
    return r.stdout.toString("utf8");
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
      await removeContainer(this.container);
      this.log.debug({ sandbox: this.id }, "sandbox: container removed");
    })();
    return this.closing;
  }

  closeSync(): void {
    spawnSync("docker", ["rm", "-f", "-v", this.container.id], { stdio: "ignore", timeout: 15_000 });
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function removeContainer(container: Docker.Container): Promise<void> {
  try {
    await container.remove({ force: true, v: true });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    // 404: already gone; 409: removal already in progress.
    if (status !== 404 && status !== 409)
      throw new InfraError(`could not remove container: ${errorMessage(e)}`);
  }
}

/** Streams the output of a command (a tar archive) and reports its failure. */
function streamOf(file: string, args: string[], cwd: string): { stream: Readable; done: Promise<void> } {
  const child = spawn(file, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", (e) => reject(new InfraError(`${file} failed: ${e.message}`)));
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new InfraError(`${file} failed: ${err.trim() || `exit ${code}`}`)),
    );
  });
  return { stream: child.stdout, done };
}

/**
 * Copies the repository at `base` into the container: the git directory as a tar (owned by
 * root), then the files as `git archive` of the base commit streamed straight in — the host
 * never writes a work tree. The index is built inside the container.
 */
async function copyCheckoutIn(
  container: Docker.Container,
  repo: string,
  base: string,
  work: string,
  history: CheckoutHistory,
): Promise<void> {
  const gitDir = join(work, "repo");
  await makeGitDir(repo, base, gitDir, history);
  const dotGit = streamOf("tar", ["--owner=0", "--group=0", "--numeric-owner", "-cf", "-", ".git"], gitDir);
  await Promise.all([container.putArchive(dotGit.stream, { path: CONTAINER_ROOT }), dotGit.done]);
  // The archive must hold exactly the committed files: neutralise export-ignore/export-subst
  // (only in this host copy; the container already has its .git).
  await mkdir(join(gitDir, ".git", "info"), { recursive: true });
  await writeFile(join(gitDir, ".git", "info", "attributes"), "* -export-ignore -export-subst\n");
  const files = streamOf("git", ["archive", "--format=tar", base], gitDir);
  await Promise.all([container.putArchive(files.stream, { path: CONTAINER_ROOT }), files.done]);
}

const SHELL_ENV = [
  // Files come from the host with other owners' ids; git must not refuse the repository.
  "GIT_CONFIG_COUNT=1",
  "GIT_CONFIG_KEY_0=safe.directory",
  "GIT_CONFIG_VALUE_0=*",
];

/** Makes a Docker sandbox: a container from `image` with the checkout copied in. */
export async function createDockerSandbox(opts: DockerSandboxOptions): Promise<Sandbox> {
  const log = opts.log ?? silentLogger;
  const repo = await resolveRepository(opts.repoPath);
  const base = await resolveCommit(repo, opts.baseCommit ?? "HEAD");
  const id = checkSandboxId(opts.runId ?? newSandboxId());
  if (opts.user !== undefined && !/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/.test(opts.user)) {
    throw new UsageError(`docker user "${opts.user}" is not a user name or uid[:gid]`);
  }
  const docker = dockerClient();
  try {
    await docker.ping();
  } catch (e) {
    throw new InfraError(dockerUnavailableMessage(errorMessage(e)));
  }
  let imageId: string;
  try {
    imageId = (await docker.getImage(opts.image).inspect()).Id;
  } catch {
    throw new InfraError(
      `Docker image ${opts.image} not found (build it with: fixpoint env build --repo ${repo})`,
    );
  }

  const memory = opts.memoryBytes ?? DOCKER_DEFAULTS.memoryBytes;
  const cpus = opts.cpus ?? DOCKER_DEFAULTS.cpus;
  const pids = opts.pidsLimit ?? DOCKER_DEFAULTS.pidsLimit;
  const t0 = Date.now();
  const container = await docker.createContainer({
    name: `fixpoint-${id}-${Date.now().toString(36)}`,
    Image: opts.image,
    Entrypoint: ["sleep"],
    Cmd: ["infinity"],
    WorkingDir: CONTAINER_ROOT,
    // An anonymous volume (removed with the container): creating files on the overlay
    // filesystem costs ~1 ms each, ten times a volume's — it decides how fast a big checkout
    // arrives. It starts with the image's /testbed (installed node_modules, say).
    Volumes: { [CONTAINER_ROOT]: {} },
    Labels: { [LABEL_MANAGED]: "true", [LABEL_RUN]: id, [LABEL_OWNER]: sandboxOwner() },
    HostConfig: {
      NetworkMode: opts.network ? "bridge" : "none",
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(cpus * 1e9),
      PidsLimit: pids,
      Init: true,
      Tmpfs: { [STATE_DIR]: "rw,nosuid,size=16m,mode=1777" },
      SecurityOpt: ["no-new-privileges"],
    },
  });
  const holder = {
    id,
    closeSync: () => spawnSync("docker", ["rm", "-f", "-v", container.id], { stdio: "ignore" }),
  };
  trackSandbox({ ...holder, close: () => removeContainer(container) });
  let work: string | null = null;
  try {
    await container.start();
    work = await realpath(await mkdtemp(join(tmpdir(), `fixpoint-${id}-`)));
    await copyCheckoutIn(container, repo, base, work, opts.history ?? "full");
    await rm(work, { recursive: true, force: true });
    work = null;

    const env = [...SHELL_ENV];
    // The index, from HEAD and the files just copied (hashes them once, so diffs are quick).
    const prep = [`mkdir -p ${STATE_DIR} ${SCRATCH_DIR}`, `git -C ${CONTAINER_ROOT} reset -q`];
    if (opts.user) {
      prep.push(
        `mkdir -p ${USER_HOME}`,
        `chown -R ${opts.user} ${CONTAINER_ROOT} ${USER_HOME} ${SCRATCH_DIR}`,
      );
      env.push(`HOME=${USER_HOME}`);
    }
    const r = await runExecFull(container, ["bash", "-c", prep.join(" && ")], { user: "0", env });
    if (r.exitCode !== 0) {
      throw new InfraError(
        `preparing the container failed: ${r.stderr.toString().trim() || `exit ${r.exitCode}`}`,
      );
    }

    const host = new DockerHost(container, opts.user, env);
    const timeoutMs = opts.commandTimeoutMs ?? 120_000;
    const shell = new PersistentShell(host, { cwd: CONTAINER_ROOT, stateDir: STATE_DIR, timeoutMs, log });
    await shell.start();
    const sb = new DockerSandbox(
      id,
      base,
      container,
      shell,
      opts.user,
      env,
      timeoutMs,
      log,
      `docker:${opts.image}@${imageId}`,
    );
    untrackSandbox(id);
    trackSandbox(sb);
    log.debug({ sandbox: id, image: opts.image, ms: Date.now() - t0 }, "sandbox: container ready");
    return sb;
  } catch (e) {
    untrackSandbox(id);
    await removeContainer(container).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}

export interface GcOptions {
  /** Also remove containers whose owning fixpoint process is still running. */
  all?: boolean;
  /** Only the containers of this run id. */
  run?: string;
}

/** A process's start time in clock ticks since boot (Linux /proc), or null where unknown. */
function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses): state is field 3,
    // starttime field 22.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * The owner label of a process's sandboxes: `host:pid`, and where the system says when the
 * process started, `host:pid:start`, so that a later process given the same pid (pids are
 * reused, after 32,768 by default on Linux) is not taken for the owner.
 */
export function sandboxOwner(pid = process.pid): string {
  const start = processStartTicks(pid);
  return `${hostname()}:${pid}${start ? `:${start}` : ""}`;
}

function ownerAlive(owner: string | undefined): boolean {
  if (!owner) return false;
  const [host, pidText, start] = owner.split(":") as [string, string | undefined, string | undefined];
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // Alive: the same process only if it started when the owner did.
  if (start === undefined) return true;
  const now = processStartTicks(pid);
  return now === null || now === start;
}

/**
 * Removes sandbox containers left behind by runs that ended without cleaning up (by label).
 * Containers of fixpoint processes still running on this host are kept unless `all`.
 * Returns how many were removed.
 */
export async function gcSandboxes(opts: GcOptions = {}): Promise<number> {
  const docker = dockerClient();
  let list: Docker.ContainerInfo[];
  try {
    const labels = [`${LABEL_MANAGED}=true`, ...(opts.run ? [`fixpoint.run=${opts.run}`] : [])];
    list = await docker.listContainers({ all: true, filters: { label: labels } });
  } catch (e) {
    throw new InfraError(dockerUnavailableMessage(errorMessage(e)));
  }
  let removed = 0;
  for (const c of list) {
    if (!opts.all && ownerAlive(c.Labels?.[LABEL_OWNER])) continue;
    await removeContainer(docker.getContainer(c.Id));
    removed++;
  }
  return removed;
}
