/**
 * Where a task's repository comes from: the task's own local path, a mirror directory
 * (`--mirror DIR` holding `OWNER+NAME/repo`, `OWNER/NAME` or `OWNER__NAME` git directories, bare or
 * not, with or without `.git`), or a bare clone per repository cached under a cache directory.
 * The path returned is only ever read: each sandbox clones its own checkout at the base commit
 * from it, so the mirror or cache is never modified by a run.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { git, InfraError, UsageError } from "../common/index.js";
import type { Logger } from "../log/index.js";
import type { SuiteTask } from "../task/index.js";

export interface RepoOptions {
  /** A mirror directory; when set, repositories are looked up there only (no network). */
  mirror?: string;
  /** Where bare clones of URL repositories are cached. */
  cacheDir: string;
  log: Logger;
}

/** The layouts a mirror may use for OWNER/NAME, in the order they are tried. */
export function mirrorCandidates(mirror: string, repoName: string): string[] {
  const [owner, name] = repoName.split("/") as [string, string];
  const bases = [
    join(mirror, `${owner}+${name}`, "repo"),
    join(mirror, owner, name),
    join(mirror, `${owner}__${name}`),
  ];
  return bases.flatMap((b) => [b, `${b}.git`, join(b, ".git")]);
}

async function isGitDir(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  const r = await git(["rev-parse", "--git-dir"], path);
  return r.code === 0;
}

export async function hasCommit(repo: string, sha: string): Promise<boolean> {
  return (await git(["cat-file", "-e", `${sha}^{commit}`], repo)).code === 0;
}

/** Finds OWNER/NAME in a mirror directory; null when no layout holds a git repository. */
export async function findInMirror(mirror: string, repoName: string): Promise<string | null> {
  for (const c of mirrorCandidates(mirror, repoName)) {
    if (await isGitDir(c)) return c;
  }
  return null;
}

const cloning = new Map<string, Promise<string>>();
/** Longest a clone or fetch of a task's repository may take. */
const NETWORK_GIT_MS = 30 * 60_000;

/** A bare clone of `url` under `cacheDir`, made once per process and per repository. */
async function cachedClone(url: string, repoName: string, cacheDir: string, log: Logger): Promise<string> {
  const dest = join(cacheDir, `${repoName.replace("/", "__")}.git`);
  let p = cloning.get(dest);
  if (!p) {
    p = (async () => {
      if (await isGitDir(dest)) return dest;
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${dest}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      log.info({ url, dest }, "suite: cloning the repository into the cache");
      const r = await git(["clone", "--bare", "--quiet", url, tmp], cacheDir, { timeoutMs: NETWORK_GIT_MS });
      if (r.code !== 0) {
        await rm(tmp, { recursive: true, force: true });
        throw new InfraError(`git clone ${url} failed: ${r.stderr.trim().split("\n").pop()}`);
      }
      await rename(tmp, dest);
      return dest;
    })();
    cloning.set(dest, p);
    p.catch(() => cloning.delete(dest));
  }
  return p;
}

/**
 * The git directory a task's checkout is made from, holding its base commit. A UsageError when
 * the task's repository or commit cannot be found (the task is bad), an InfraError when cloning
 * or fetching fails (the network is).
 */
export async function resolveTaskRepo(t: SuiteTask, opts: RepoOptions): Promise<string> {
  let repo: string;
  if (t.repoPath) {
    if (!(await isGitDir(t.repoPath)))
      throw new UsageError(`${t.instanceId}: repo_path ${t.repoPath} is not a git repository`);
    repo = t.repoPath;
  } else if (opts.mirror) {
    const found = await findInMirror(opts.mirror, t.repoName);
    if (!found) {
      throw new UsageError(
        `${t.instanceId}: ${t.repoName} is not in the mirror ${opts.mirror} (looked for ${t.repoName.replace("/", "+")}/repo, ${t.repoName}, ${t.repoName.replace("/", "__")})`,
      );
    }
    repo = found;
  } else {
    const url = t.task.repo.kind === "url" ? t.task.repo.url : `https://github.com/${t.repoName}.git`;
    repo = await cachedClone(url, t.repoName, opts.cacheDir, opts.log);
    if (!(await hasCommit(repo, t.baseCommit))) {
      // The cache may predate the commit: fetch once (this writes only to the cache).
      const r = await git(
        ["fetch", "--quiet", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
        repo,
        { timeoutMs: NETWORK_GIT_MS },
      );
      if (r.code !== 0)
        throw new InfraError(`git fetch in ${repo} failed: ${r.stderr.trim().split("\n").pop()}`);
    }
  }
  if (!(await hasCommit(repo, t.baseCommit))) {
    throw new UsageError(`${t.instanceId}: base commit ${t.baseCommit} is not in ${repo}`);
  }
  return repo;
}
