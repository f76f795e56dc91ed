/**
 * The checkout both sandboxes start from: a clone of the user's repository at the base
 * commit, made in a folder of ours. The user's repository is only read.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { git, InfraError, UsageError } from "../common/index.js";

export function newSandboxId(): string {
  return `fp-${randomBytes(5).toString("hex")}`;
}

export function checkSandboxId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id))
    throw new UsageError(`sandbox id "${id}" must be 1-64 of [A-Za-z0-9_.-]`);
  return id;
}

/** The repository's top level (or git dir when bare); a UsageError naming the path otherwise. */
export async function resolveRepository(repoPath: string): Promise<string> {
  const abs = resolve(repoPath);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new UsageError(`repository not found: ${abs}`);
  if (!st.isDirectory()) throw new UsageError(`repository is not a directory: ${abs}`);
  const top = await git(["rev-parse", "--show-toplevel"], abs);
  if (top.code === 0 && top.stdout.trim()) return top.stdout.trim();
  const bare = await git(["rev-parse", "--is-bare-repository"], abs);
  if (bare.code === 0 && bare.stdout.trim() === "true") {
    const dir = await git(["rev-parse", "--absolute-git-dir"], abs);
    if (dir.code === 0) return dir.stdout.trim();
  }
  throw new UsageError(`not a git repository: ${abs}`);
}

/** Resolves a commit-ish to a full sha in `repo`; UsageError when it does not name a commit. */
export async function resolveCommit(repo: string, rev: string): Promise<string> {
  if (rev.startsWith("-")) throw new UsageError(`base commit "${rev}" is not a commit`);
  const r = await git(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], repo);
  const sha = r.stdout.trim();
  if (r.code !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new UsageError(
      rev === "HEAD"
        ? `repository ${repo} has no commits (HEAD does not name a commit)`
        : `base commit "${rev}" not found in ${repo}`,
    );
  }
  return sha;
}

/** What a sandbox's git holds: the repository's whole history, or the base commit alone (shallow). */
export type CheckoutHistory = "full" | "base";

/**
 * Clones without a work tree. `--no-local` sends the reachable objects as one pack (fast even
 * when the user's repository has thousands of loose objects); when the base commit is not
 * reachable from any ref, the object files are copied instead (`--no-hardlinks`). Never hard
 * links or `--shared`: git "freshens" (touches) object files it writes again, and those must
 * not be the user's.
 */
async function cloneObjects(
  repo: string,
  base: string,
  dest: string,
  history: CheckoutHistory = "full",
): Promise<void> {
  const parent = resolve(dest, "..");
  if (history === "base") {
    // The base commit alone, shallow: a grader needs its tree, not 20 years of history (sympy:
    // 1.4 s instead of 20 s of packing). upload-pack runs locally here and is allowed to send
    // a commit no ref names (a task's base commit usually is one).
    await mkdir(dest, { recursive: true });
    const init = await git(["init", "--quiet"], dest);
    const fetched =
      init.code === 0
        ? await git(
            [
              "fetch",
              "--quiet",
              "--depth",
              "1",
              "--upload-pack",
              "git -c uploadpack.allowAnySHA1InWant=true upload-pack",
              pathToFileURL(repo).href,
              base,
            ],
            dest,
          )
        : init;
    if (fetched.code === 0) return;
    await rm(dest, { recursive: true, force: true });
  }
  const packed = await git(["clone", "--quiet", "--no-local", "--no-checkout", repo, dest], parent);
  if (packed.code === 0 && (await git(["cat-file", "-e", `${base}^{commit}`], dest)).code === 0) return;
  await rm(dest, { recursive: true, force: true });
  const copied = await git(["clone", "--quiet", "--no-hardlinks", "--no-checkout", repo, dest], parent);
  if (copied.code !== 0) throw new InfraError(`git clone for the sandbox failed: ${copied.stderr.trim()}`);
}

/**
 * Clones `repo` into `dest` and checks out `base` detached. The `origin` remote is removed so
 * nothing can be pushed back by accident.
 */
export async function makeCheckout(
  repo: string,
  base: string,
  dest: string,
  identity: "always" | "if-missing",
  history: CheckoutHistory = "full",
): Promise<void> {
  const step = async (args: string[], cwd: string) => {
    const r = await git(args, cwd);
    if (r.code !== 0) throw new InfraError(`git ${args[0]} for the sandbox failed: ${r.stderr.trim()}`);
    return r.stdout;
  };
  await cloneObjects(repo, base, dest, history);
  await step(["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", base], dest);
  if ((await git(["remote"], dest)).stdout.split("\n").includes("origin")) {
    await step(["remote", "remove", "origin"], dest);
  }
  // Commits inside the sandbox work even where no identity is configured (a container never
  // sees the user's ~/.gitconfig).
  if (identity === "always" || (await git(["config", "user.email"], dest)).code !== 0) {
    await step(["config", "user.email", "fixpoint@localhost"], dest);
    await step(["config", "user.name", "fixpoint"], dest);
  }
}

/**
 * Only the git directory of a checkout at `base` (no work tree, no index): HEAD detached at
 * `base`. The Docker sandbox sends this plus `git archive` of the files, so the host never
 * writes the work tree.
 */
export async function makeGitDir(
  repo: string,
  base: string,
  dest: string,
  history: CheckoutHistory = "full",
): Promise<void> {
  const step = async (args: string[], cwd: string) => {
    const r = await git(args, cwd);
    if (r.code !== 0) throw new InfraError(`git ${args[0]} for the sandbox failed: ${r.stderr.trim()}`);
  };
  await cloneObjects(repo, base, dest, history);
  await step(["update-ref", "--no-deref", "HEAD", base], dest);
  if ((await git(["remote"], dest)).stdout.split("\n").includes("origin")) {
    await step(["remote", "remove", "origin"], dest);
  }
  await step(["config", "user.email", "fixpoint@localhost"], dest);
  await step(["config", "user.name", "fixpoint"], dest);
}
