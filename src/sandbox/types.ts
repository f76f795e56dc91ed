/**
 * A sandbox is an isolated checkout of the repository at the task's base commit, with a
 * persistent shell. Local (a temporary git worktree + a bash process) and Docker (a container
 * + an attached exec) implement the same interface; nothing above this folder knows which.
 */

export interface ExecOptions {
  /** Kill the command after this long; the shell survives. Default set by the implementation. */
  timeoutMs?: number;
  /** Directory to run in (absolute, or relative to the checkout root). */
  cwd?: string;
  env?: Record<string, string>;
  /** Standard input for one-off commands (`execOnce`). */
  stdin?: string;
  /** Aborting interrupts a persistent-shell command as a timeout would (exit code 130). */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The shell's working directory after the command (persistent shell only; else the cwd used). */
  cwd: string;
  durationMs: number;
}

export interface Sandbox {
  readonly kind: "local" | "docker";
  /** Unique id of this sandbox (also the run id label for Docker). */
  readonly id: string;
  /** Absolute path of the checkout inside the sandbox. */
  readonly root: string;
  /** The commit the checkout started from; `diff()` is against it. */
  readonly baseCommit: string;
  /** A directory outside the checkout, writable by the commands, removed with the sandbox. */
  readonly scratch: string;
  /**
   * What the commands run in, for cache keys: the image id for Docker, the host for local. Two
   * sandboxes with the same environment and base commit give the same test results.
   */
  readonly environment: string;

  /** Runs a command in the persistent shell: `cd`, exported variables and activations persist. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Runs a command in a fresh process (bash -c) that does not touch the persistent shell's state. */
  execOnce(command: string, options?: ExecOptions): Promise<ExecResult>;

  /** Reads a file (path absolute inside the sandbox, or relative to `root`). */
  readFile(path: string): Promise<string>;
  /** Writes a file, creating its folders. */
  writeFile(path: string, content: string): Promise<void>;

  /** Files changed against the base commit (modified, added, deleted, untracked), relative to root. */
  listChangedFiles(): Promise<string[]>;
  /** Unified diff against the base commit, including new files; binary-safe (`git diff --binary`). */
  diff(): Promise<string>;

  /**
   * Null while the sandbox works; otherwise why it cannot (the container is gone, the Docker
   * engine does not answer, the checkout was removed). A lost sandbox is an infrastructure
   * failure of the run, never something for the model to work around.
   */
  health(): Promise<string | null>;

  /** Removes everything the sandbox created. Safe to call more than once. */
  close(): Promise<void>;
}
