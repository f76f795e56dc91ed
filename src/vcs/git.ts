/** Clone or reuse a checkout, commit a patch onto a branch, push it. */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git, gitClient, gitErrorLine, InfraError, UsageError } from "../common/index.js";
import { type Logger, redactSecrets, silentLogger } from "../log/index.js";
import { gitAuthEnv } from "./auth.js";
import { type ApplyMethod, applyPatch } from "./patch.js";
import { defaultBranch, parseRemoteUrl, stripCredentials } from "./remote.js";

function oneLine(err: unknown): string {
  return redactSecrets(gitErrorLine(err instanceof Error ? err.message : String(err)));
}

/** Rejects names git would refuse or read as an option. */
export async function assertBranchName(name: string): Promise<void> {
  const r = await git(["check-ref-format", "--branch", name], tmpdir());
  if (name.startsWith("-") || r.code !== 0)
    throw new UsageError(`branch: "${name}" is not a valid branch name`);
}

function sameRepo(a: string, b: string): boolean {
  const pa = parseRemoteUrl(a);
  const pb = parseRemoteUrl(b);
  if (pa && pb) {
    return (
      pa.host === pb.host &&
      pa.owner.toLowerCase() === pb.owner.toLowerCase() &&
      pa.repo.toLowerCase() === pb.repo.toLowerCase()
    );
  }
  const norm = (s: string) =>
    stripCredentials(s)
      .replace(/\/+$/, "")
      .replace(/\.git$/, "");
  return norm(a) === norm(b);
}

export interface CloneOptions {
  /** Token for HTTPS remotes; sent as a header, never stored. */
  token?: string;
  /** Branch to check out; default the remote's default branch. */
  branch?: string;
  /** Shallow clone depth; default full history (the agent may read `git log`). */
  depth?: number;
  logger?: Logger;
}

export interface CloneResult {
  path: string;
  branch: string;
  head: string;
  reused: boolean;
}

/**
 * Clones `url` into `dir` at the default branch, or, when `dir` already is a clean clone of the
 * same repository, fetches and resets it to the remote branch. A dirty clone is refused rather
 * than overwritten.
 */
export async function cloneOrReuse(url: string, dir: string, opts: CloneOptions = {}): Promise<CloneResult> {
  const log = opts.logger ?? silentLogger;
  const env = gitAuthEnv(opts.token, url);
  const shown = stripCredentials(url);
  if (opts.branch) await assertBranchName(opts.branch);
  let reused = false;
  if (existsSync(join(dir, ".git"))) {
    const origin = await git(["remote", "get-url", "origin"], dir);
    if (origin.code !== 0 || !sameRepo(origin.stdout.trim(), url)) {
      throw new UsageError(
        `${dir} is a clone of ${stripCredentials(origin.stdout.trim()) || "nothing"}, not ${shown}`,
      );
    }
    const status = await git(["status", "--porcelain"], dir);
    if (status.stdout.trim()) {
      throw new UsageError(`${dir} has uncommitted changes: commit or stash them, or clone elsewhere`);
    }
    const client = gitClient(dir, env);
    log.info({ dir, url: shown }, "fetching existing clone");
    try {
      await client.fetch(["--prune", "origin"]);
      await client.raw(["remote", "set-head", "origin", "--auto"]).catch(() => "");
    } catch (err) {
      throw new InfraError(`git fetch from ${shown} failed: ${oneLine(err)}`);
    }
    const branch = opts.branch ?? (await defaultBranch(dir, { env }));
    try {
      await client.raw(["checkout", "-q", "-B", branch, `refs/remotes/origin/${branch}`]);
      await client.raw(["reset", "-q", "--hard", `refs/remotes/origin/${branch}`]);
    } catch (err) {
      throw new UsageError(`cannot check out ${branch} in ${dir}: ${oneLine(err)}`);
    }
    reused = true;
  } else {
    if (existsSync(dir) && (await readdir(dir)).length > 0) {
      throw new UsageError(`${dir} exists and is not a git clone; choose an empty or new folder`);
    }
    log.info({ dir, url: shown }, "cloning");
    const args = [
      ...(opts.branch ? ["--branch", opts.branch] : []),
      ...(opts.depth ? ["--depth", String(opts.depth)] : []),
    ];
    try {
      await gitClient(tmpdir(), env).clone(url, dir, args);
    } catch (err) {
      const msg = oneLine(err);
      if (/not found|does not exist|Authentication failed|could not read Username|403/i.test(msg)) {
        throw new UsageError(`cannot clone ${shown}: ${msg}`);
      }
      throw new InfraError(`cannot clone ${shown}: ${msg}`);
    }
  }
  const head = (await git(["rev-parse", "HEAD"], dir)).stdout.trim();
  const branch = (await git(["symbolic-ref", "--quiet", "--short", "HEAD"], dir)).stdout.trim() || "HEAD";
  return { path: dir, branch, head, reused };
}

export interface CommitAuthor {
  name: string;
  email: string;
}

export interface BranchWithPatchOptions {
  branch: string;
  /** Commit the patch was made against; default HEAD. */
  baseRef?: string;
  patch: string;
  message: string;
  author: CommitAuthor;
}

export interface BranchWithPatchResult {
  branch: string;
  commit: string;
  base: string;
  method: ApplyMethod;
  files: string[];
}

/**
 * Creates (or moves) `branch` to one commit on top of `baseRef` holding `patch`. The work happens
 * in a temporary worktree, so the clone's own working tree and checked-out branch are untouched.
 */
export async function createBranchWithPatch(
  repoPath: string,
  opts: BranchWithPatchOptions,
): Promise<BranchWithPatchResult> {
  await assertBranchName(opts.branch);
  const baseRef = opts.baseRef ?? "HEAD";
  const base = await git(["rev-parse", "--verify", "--quiet", `${baseRef}^{commit}`], repoPath);
  if (base.code !== 0) throw new UsageError(`${repoPath}: base "${baseRef}" is not a commit`);
  const baseSha = base.stdout.trim();
  const tmp = await mkdtemp(join(tmpdir(), "fixpoint-wt-"));
  const wt = join(tmp, "wt");
  const client = gitClient(repoPath);
  try {
    try {
      await client.raw(["worktree", "add", "--detach", "-q", wt, baseSha]);
    } catch (err) {
      throw new InfraError(`cannot create a worktree of ${repoPath}: ${oneLine(err)}`);
    }
    const applied = await applyPatch(wt, opts.patch);
    const env = {
      GIT_AUTHOR_NAME: opts.author.name,
      GIT_AUTHOR_EMAIL: opts.author.email,
      GIT_COMMITTER_NAME: opts.author.name,
      GIT_COMMITTER_EMAIL: opts.author.email,
    };
    const w = gitClient(wt, env);
    await w.raw(["add", "-A"]);
    const staged = await git(["diff", "--cached", "--quiet"], wt);
    if (staged.code === 0) throw new UsageError("patch made no changes");
    // Hooks and signing are the repository owner's local setup; an unattended commit skips them.
    await w.raw(["-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", opts.message]);
    const commit = (await git(["rev-parse", "HEAD"], wt)).stdout.trim();
    try {
      await client.raw(["branch", "-f", opts.branch, commit]);
    } catch (err) {
      throw new UsageError(`cannot move branch ${opts.branch}: ${oneLine(err)}`);
    }
    return { branch: opts.branch, commit, base: baseSha, method: applied.method, files: applied.files };
  } finally {
    await git(["worktree", "remove", "--force", wt], repoPath);
    await rm(tmp, { recursive: true, force: true });
    await git(["worktree", "prune"], repoPath);
  }
}

export interface PushOptions {
  remote?: string;
  branch: string;
  force?: boolean;
  token?: string;
}

/** Pushes `branch` to the same name on the remote. The token goes as a header, never into a URL. */
export async function pushBranch(
  repoPath: string,
  opts: PushOptions,
): Promise<{ remote: string; branch: string }> {
  await assertBranchName(opts.branch);
  const remote = opts.remote ?? "origin";
  const url = await git(["remote", "get-url", remote], repoPath);
  if (url.code !== 0) throw new UsageError(`${repoPath}: no "${remote}" remote to push to`);
  const remoteUrl = url.stdout.trim();
  const client = gitClient(repoPath, gitAuthEnv(opts.token, remoteUrl));
  const ref = `refs/heads/${opts.branch}`;
  const args = [remote, `${ref}:${ref}`, "--no-verify", ...(opts.force ? ["--force"] : [])];
  try {
    await client.push(args);
  } catch (err) {
    const msg = oneLine(err);
    const shown = stripCredentials(remoteUrl);
    if (/403|denied|Authentication failed|could not read Username|rejected/i.test(msg)) {
      throw new UsageError(`push of ${opts.branch} to ${shown} refused: ${msg}`);
    }
    throw new InfraError(`push of ${opts.branch} to ${shown} failed: ${msg}`);
  }
  return { remote: stripCredentials(remoteUrl), branch: opts.branch };
}
