/** Parsing git remote URLs into host/owner/repo, and reading a clone's remote and default branch. */
import { git, UsageError } from "../common/index.js";

export interface RemoteInfo {
  /** Host name without port or credentials, lower-cased: `github.com`, `ghe.example.com`. */
  host: string;
  owner: string;
  repo: string;
  /** The remote URL with any credentials removed. */
  url: string;
}

/** Removes `user:password@` from a URL so it can be shown or logged. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, "$1");
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

function fromPath(host: string, path: string, url: string): RemoteInfo | undefined {
  const parts = path
    .replace(/^\/+/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter(Boolean);
  if (parts.length < 2) return undefined;
  // GitHub paths are OWNER/REPO; other forges nest groups, so the last two segments name the repo.
  const owner = parts[parts.length - 2]!;
  const repo = parts[parts.length - 1]!;
  if (!SEGMENT.test(owner) || !SEGMENT.test(repo)) return undefined;
  return { host: host.toLowerCase(), owner, repo, url: stripCredentials(url) };
}

/**
 * Parses `https://host/owner/repo(.git)`, `ssh://git@host[:port]/owner/repo.git`,
 * `git@host:owner/repo.git` and `git://host/owner/repo`. Local paths give `undefined`.
 */
export function parseRemoteUrl(url: string): RemoteInfo | undefined {
  const text = url.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !/^[A-Za-z]:[\\/]/.test(text)) {
    return fromPath(scp[1]!, scp[2]!, text);
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return undefined;
  }
  if (!["https:", "http:", "ssh:", "git:", "git+ssh:", "ssh+git:"].includes(parsed.protocol))
    return undefined;
  if (!parsed.hostname) return undefined;
  return fromPath(parsed.hostname, decodeURIComponent(parsed.pathname), text);
}

/** The host/owner/repo of a clone's remote (default `origin`). */
export async function currentRemote(repoPath: string, remote = "origin"): Promise<RemoteInfo> {
  const res = await git(["remote", "get-url", remote], repoPath);
  if (res.code !== 0) {
    throw new UsageError(`${repoPath}: no "${remote}" remote (is it a git clone?)`);
  }
  const url = res.stdout.trim();
  const info = parseRemoteUrl(url);
  if (!info) {
    throw new UsageError(
      `${repoPath}: remote "${remote}" (${stripCredentials(url)}) is not a HOST/OWNER/REPO URL`,
    );
  }
  return info;
}

/**
 * The remote's default branch: the remote-tracking HEAD if the clone has it, else asked from the
 * remote (`ls-remote --symref`), else the checked-out branch, else `main`.
 */
export async function defaultBranch(
  repoPath: string,
  opts: { remote?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const remote = opts.remote ?? "origin";
  const sym = await git(["symbolic-ref", "--quiet", `refs/remotes/${remote}/HEAD`], repoPath);
  const prefix = `refs/remotes/${remote}/`;
  if (sym.code === 0 && sym.stdout.trim().startsWith(prefix)) return sym.stdout.trim().slice(prefix.length);
  const ls = await git(["ls-remote", "--symref", remote, "HEAD"], repoPath, { env: opts.env });
  const m = /^ref:\s+refs\/heads\/(\S+)\s+HEAD/m.exec(ls.stdout);
  if (ls.code === 0 && m) return m[1]!;
  const cur = await git(["symbolic-ref", "--quiet", "--short", "HEAD"], repoPath);
  if (cur.code === 0 && cur.stdout.trim()) return cur.stdout.trim();
  return "main";
}

/** The commit HEAD points at. */
export async function headCommit(repoPath: string): Promise<string> {
  const r = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], repoPath);
  if (r.code !== 0) throw new UsageError(`${repoPath}: not a git repository with a commit`);
  return r.stdout.trim();
}
