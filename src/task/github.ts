/**
 * GitHub issues as tasks: parse a reference (URL, OWNER/REPO#N, #N inside a clone), read the issue
 * and its comments, and make a Task whose problem statement is what a person would read.
 */
import { z } from "zod";
import { describeZodError, UsageError } from "../common/index.js";
import {
  type GitHubClient,
  type GitHubComment,
  type GitHubIssue,
  type GitHubRepo,
  isFixpointComment,
  webUrlFromApiUrl,
} from "../github/index.js";
import { type Logger, silentLogger } from "../log/index.js";
import { type CloneResult, cloneOrReuse, currentRemote, headCommit, parseRemoteUrl } from "../vcs/index.js";
import type { Task } from "./types.js";

export type IssueReference =
  | { kind: "url"; host: string; owner: string; repo: string; number: number }
  | { kind: "full"; owner: string; repo: string; number: number }
  | { kind: "short"; number: number };

export interface IssueLocation {
  host: string;
  owner: string;
  repo: string;
  number: number;
}

const refSchema = z.object({
  owner: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "not a GitHub user or organization name"),
  repo: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "not a repository name"),
  number: z.coerce
    .number()
    .int("not a whole number")
    .positive("must be positive")
    .max(2 ** 31),
});

function validate(what: string, input: { owner?: string; repo?: string; number: string }) {
  const schema = input.owner === undefined ? refSchema.pick({ number: true }) : refSchema;
  const r = schema.safeParse(input);
  if (!r.success) throw new UsageError(describeZodError(`issue reference "${what}"`, r.error.issues));
  return r.data as { owner?: string; repo?: string; number: number };
}

/** Web hosts an issue URL may name: github.com, plus the Enterprise host of `baseUrl`. */
function allowedHosts(baseUrl?: string): Map<string, string> {
  const hosts = new Map<string, string>([
    ["github.com", ""],
    ["www.github.com", ""],
  ]);
  if (baseUrl) {
    const web = new URL(webUrlFromApiUrl(baseUrl));
    hosts.set(web.host.toLowerCase(), web.pathname.replace(/\/+$/, ""));
  }
  return hosts;
}

/** True when `text` looks like a GitHub issue reference rather than a file or free text. */
export function looksLikeIssueReference(text: string, opts: { baseUrl?: string } = {}): boolean {
  const s = text.trim();
  if (/^#\d+$/.test(s) || /^[\w.-]+\/[\w.-]+#\d+$/.test(s)) return true;
  try {
    const u = new URL(s);
    return allowedHosts(opts.baseUrl).has(u.host.toLowerCase()) && /\/issues\/\d+/.test(u.pathname);
  } catch {
    return false;
  }
}

/**
 * Parses `https://github.com/OWNER/REPO/issues/N` (or an Enterprise host when `baseUrl` is
 * given), `OWNER/REPO#N` or `#N`. A bad reference is a one-line UsageError.
 */
export function parseIssueReference(text: string, opts: { baseUrl?: string } = {}): IssueReference {
  const s = text.trim();
  const short = /^#(\S+)$/.exec(s);
  if (short) return { kind: "short", number: validate(s, { number: short[1]! }).number };
  const full = /^([^/\s#]+)\/([^/\s#]+)#(\S+)$/.exec(s);
  if (full) {
    const v = validate(s, { owner: full[1]!, repo: full[2]!, number: full[3]! });
    return { kind: "full", owner: v.owner!, repo: v.repo!, number: v.number };
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new UsageError(
      `issue reference "${s}": expected https://github.com/OWNER/REPO/issues/N, OWNER/REPO#N or #N`,
    );
  }
  const hosts = allowedHosts(opts.baseUrl);
  const prefix = hosts.get(u.host.toLowerCase());
  if (prefix === undefined) {
    const hint = opts.baseUrl ? "" : " (pass --base-url for GitHub Enterprise)";
    throw new UsageError(`issue reference "${s}": ${u.host} is not a known GitHub host${hint}`);
  }
  const path = u.pathname.slice(prefix.length).replace(/\/+$/, "");
  const m = /^\/([^/]+)\/([^/]+)\/(issues|pull|pulls)\/([^/]+)$/.exec(path);
  if (!m) throw new UsageError(`issue reference "${s}": expected a URL ending in /OWNER/REPO/issues/N`);
  if (m[3] !== "issues") throw new UsageError(`issue reference "${s}": that is a pull request, not an issue`);
  const v = validate(s, { owner: m[1]!, repo: m[2]!, number: m[4]! });
  const host = u.host.toLowerCase() === "www.github.com" ? "github.com" : u.host.toLowerCase();
  return { kind: "url", host, owner: v.owner!, repo: v.repo!, number: v.number };
}

/** Resolves a reference to host/owner/repo/number; `#N` reads the `origin` remote of `repoPath`. */
export async function resolveIssueReference(
  text: string,
  opts: { baseUrl?: string; repoPath?: string } = {},
): Promise<IssueLocation> {
  const ref = parseIssueReference(text, opts);
  const apiHost = new URL(webUrlFromApiUrl(opts.baseUrl ?? "https://api.github.com")).host.toLowerCase();
  if (ref.kind === "url") {
    if (ref.host !== apiHost) {
      throw new UsageError(
        `issue reference "${text.trim()}": the issue is on ${ref.host} but the API is ${apiHost} (set --base-url)`,
      );
    }
    return { host: ref.host, owner: ref.owner, repo: ref.repo, number: ref.number };
  }
  if (ref.kind === "full") return { host: apiHost, owner: ref.owner, repo: ref.repo, number: ref.number };
  if (!opts.repoPath)
    throw new UsageError(
      `issue reference "${text.trim()}": #N needs --repo, a clone whose origin is on GitHub`,
    );
  const remote = await currentRemote(opts.repoPath);
  if (remote.host !== apiHost && remote.host !== new URL(`http://${apiHost}`).hostname) {
    throw new UsageError(
      `issue reference "${text.trim()}": origin of ${opts.repoPath} is on ${remote.host}, not ${apiHost} (set --base-url for GitHub Enterprise)`,
    );
  }
  return { host: apiHost, owner: remote.owner, repo: remote.repo, number: ref.number };
}

function day(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The issue as the model reads it: title, body, then each comment with its author and date. */
export function renderIssueProblemStatement(
  loc: { owner: string; repo: string },
  issue: GitHubIssue,
  comments: GitHubComment[],
): string {
  const parts = [
    `# ${issue.title}`,
    "",
    `Issue ${loc.owner}/${loc.repo}#${issue.number}, opened by @${issue.author} on ${day(issue.createdAt)}.${
      issue.labels.length ? ` Labels: ${issue.labels.join(", ")}.` : ""
    }`,
    "",
    issue.body.trim() || "(no description)",
  ];
  const shown = comments.filter((c) => !isFixpointComment(c.body) && c.body.trim());
  if (shown.length) {
    parts.push("", "## Comments");
    for (const c of shown) parts.push("", `### @${c.author} on ${day(c.createdAt)}`, "", c.body.trim());
  }
  return `${parts.join("\n")}\n`;
}

export interface GitHubIssueTaskOptions {
  client: GitHubClient;
  /** A local clone of the repository to work in (also where `#N` reads its origin). */
  repoPath?: string;
  /** Clone (or reuse a clean clone) here at the default branch and work in it. */
  cloneDir?: string;
  /** Extra instructions (from `/fixpoint …`), given to the model as hints. */
  instructions?: string;
  logger?: Logger;
}

export interface GitHubIssueTask {
  task: Task;
  issue: GitHubIssue;
  repo: GitHubRepo;
  location: IssueLocation;
  /** The local checkout the task points at, when there is one (repoPath or cloneDir). */
  repoPath?: string;
  clone?: CloneResult;
}

/**
 * Reads an issue and makes it a Task. With `cloneDir` the repository is cloned (or a clean
 * clone fetched and reset) at its default branch; with `repoPath` that clone is used as it is;
 * with neither the task names the clone URL.
 */
export async function loadGitHubIssueTask(
  ref: string,
  opts: GitHubIssueTaskOptions,
): Promise<GitHubIssueTask> {
  const { client } = opts;
  const log = opts.logger ?? silentLogger;
  const location = await resolveIssueReference(ref, { baseUrl: client.baseUrl, repoPath: opts.repoPath });
  const { owner, repo: name, number } = location;
  const issue = await client.getIssue(owner, name, number);
  if (issue.isPullRequest) throw new UsageError(`${owner}/${name}#${number} is a pull request, not an issue`);
  const [comments, repo] = await Promise.all([
    client.listIssueComments(owner, name, number),
    client.getRepo(owner, name),
  ]);
  log.info({ issue: issue.htmlUrl, comments: comments.length }, "read GitHub issue");

  let repoPath: string | undefined;
  let clone: CloneResult | undefined;
  let baseCommit: string | undefined;
  if (opts.cloneDir) {
    clone = await cloneOrReuse(repo.cloneUrl, opts.cloneDir, { token: client.gitToken(), logger: log });
    repoPath = clone.path;
    baseCommit = clone.head;
  } else if (opts.repoPath) {
    repoPath = opts.repoPath;
    const remote = await currentRemote(opts.repoPath).catch(() => undefined);
    if (
      remote &&
      parseRemoteUrl(remote.url) &&
      `${remote.owner}/${remote.repo}`.toLowerCase() !== repo.fullName.toLowerCase()
    ) {
      throw new UsageError(
        `${opts.repoPath} is a clone of ${remote.owner}/${remote.repo}, but the issue is in ${repo.fullName}`,
      );
    }
    baseCommit = await headCommit(opts.repoPath);
  }
  const task: Task = {
    id: `${owner}__${name}-${number}`,
    repo: repoPath ? { kind: "local", path: repoPath } : { kind: "url", url: repo.cloneUrl },
    ...(baseCommit ? { baseCommit } : {}),
    problemStatement: renderIssueProblemStatement(location, issue, comments),
    ...(opts.instructions?.trim() ? { hints: opts.instructions.trim() } : {}),
    origin: issue.htmlUrl,
    repoName: `${owner}/${name}`,
  };
  return { task, issue, repo, location, ...(repoPath ? { repoPath } : {}), ...(clone ? { clone } : {}) };
}
