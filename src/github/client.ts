/**
 * The GitHub REST client fixpoint uses: @octokit/rest with token discovery, rate-limit waits and
 * errors turned into one-line UsageError/InfraError (never a stack for a user's mistake).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeZodError, InfraError, UsageError } from "../common/index.js";
import { type Logger, redactSecrets, registerSecret, silentLogger } from "../log/index.js";
import { pullRequestMarker } from "./markers.js";
import {
  commentSchema,
  type GitHubComment,
  type GitHubIssue,
  type GitHubPullRequest,
  type GitHubRepo,
  issueSchema,
  permissionSchema,
  pullSchema,
  type RepoPermission,
  repoSchema,
} from "./types.js";

export const DEFAULT_API_URL = "https://api.github.com";

export interface RetryOptions {
  /** Retries after a rate limit or a server error. */
  maxRetries: number;
  /** Longest single wait; a rate limit that resets later than this fails at once. */
  maxWaitMs: number;
  /** Base of the exponential backoff for server errors. */
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

const DEFAULT_RETRY: RetryOptions = {
  maxRetries: 3,
  maxWaitMs: 90_000,
  baseDelayMs: 1000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export interface GitHubClientOptions {
  /** Explicit token; else GH_TOKEN / GITHUB_TOKEN (GH_ENTERPRISE_TOKEN for Enterprise), else gh's hosts.yml. */
  token?: string;
  /** REST API base: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise. */
  baseUrl?: string;
  env?: NodeJS.ProcessEnv;
  /** Folder holding gh's `hosts.yml`; default $GH_CONFIG_DIR, $XDG_CONFIG_HOME/gh, ~/.config/gh. */
  ghConfigDir?: string;
  logger?: Logger;
  retry?: Partial<RetryOptions>;
}

export interface CreatePullRequestInput {
  title: string;
  head: string;
  base: string;
  body: string;
  draft: boolean;
}

export interface GitHubClient {
  /** REST API base URL. */
  readonly baseUrl: string;
  /** Web base URL (`https://github.com`, `https://ghe.example.com`). */
  readonly webUrl: string;
  /** Web host name, as in `hosts.yml` and remote URLs. */
  readonly host: string;
  /** Where the token came from (`GITHUB_TOKEN`, `hosts.yml`, `option`), or `none`. */
  readonly tokenSource: string;
  /** The token, for git over HTTPS (registered as a secret, never logged). */
  gitToken(): string | undefined;
  getIssue(owner: string, repo: string, number: number): Promise<GitHubIssue>;
  listIssueComments(owner: string, repo: string, number: number): Promise<GitHubComment[]>;
  getRepo(owner: string, repo: string): Promise<GitHubRepo>;
  /** The open pull request whose head is `branch` in this repository, if any. */
  findOpenFixpointPR(
    owner: string,
    repo: string,
    issueNumber: number,
    branch: string,
  ): Promise<(GitHubPullRequest & { fromFixpoint: boolean }) | undefined>;
  createPullRequest(owner: string, repo: string, input: CreatePullRequestInput): Promise<GitHubPullRequest>;
  updatePullRequest(
    owner: string,
    repo: string,
    number: number,
    input: { title?: string; body?: string },
  ): Promise<GitHubPullRequest>;
  createComment(owner: string, repo: string, issueNumber: number, body: string): Promise<GitHubComment>;
  updateComment(owner: string, repo: string, commentId: number, body: string): Promise<GitHubComment>;
  getCollaboratorPermission(owner: string, repo: string, user: string): Promise<RepoPermission>;
}

/** `https://api.github.com` → `https://github.com`; `https://ghe/api/v3` → `https://ghe`. */
export function webUrlFromApiUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  if (u.hostname === "api.github.com") return "https://github.com";
  const path = u.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/, "");
  return `${u.protocol}//${u.host}${path}`;
}

function normalizeBaseUrl(baseUrl: string | undefined): string {
  const raw = baseUrl?.trim() || DEFAULT_API_URL;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--base-url: "${raw}" is not a URL (example: https://github.example.com/api/v3)`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new UsageError(`--base-url: "${raw}" must be http(s)`);
  return raw.replace(/\/+$/, "");
}

const hostsSchema = z.record(
  z.string(),
  z.object({ oauth_token: z.string().optional() }).passthrough().nullable(),
);

function readGhToken(host: string, dir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, "hosts.yml"), "utf8");
  } catch {
    return undefined;
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch {
    throw new UsageError(`${join(dir, "hosts.yml")}: not valid YAML`);
  }
  const parsed = hostsSchema.safeParse(data ?? {});
  if (!parsed.success) throw new UsageError(describeZodError(join(dir, "hosts.yml"), parsed.error.issues));
  return parsed.data[host]?.oauth_token || undefined;
}

/** Finds a token: option, environment, then gh's config for the host. */
export function resolveGitHubToken(opts: {
  token?: string;
  host: string;
  env?: NodeJS.ProcessEnv;
  ghConfigDir?: string;
}): { token?: string; source: string } {
  if (opts.token) return { token: opts.token, source: "option" };
  const env = opts.env ?? process.env;
  const names =
    opts.host === "github.com"
      ? ["GH_TOKEN", "GITHUB_TOKEN"]
      : ["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", "GH_TOKEN", "GITHUB_TOKEN"];
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return { token: v, source: n };
  }
  const dir =
    opts.ghConfigDir ??
    env.GH_CONFIG_DIR ??
    (env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, "gh") : join(env.HOME ?? homedir(), ".config", "gh"));
  const fromGh = readGhToken(opts.host, dir);
  if (fromGh) return { token: fromGh, source: "hosts.yml" };
  return { source: "none" };
}

interface HttpishError {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

function asHttpError(err: unknown): HttpishError | undefined {
  if (
    err &&
    typeof err === "object" &&
    "status" in err &&
    typeof (err as { status: unknown }).status === "number"
  ) {
    return err as HttpishError;
  }
  return undefined;
}

function header(e: HttpishError, name: string): string | undefined {
  const v = e.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

function isRateLimited(e: HttpishError): boolean {
  if (e.status === 429) return true;
  if (e.status !== 403) return false;
  return (
    header(e, "x-ratelimit-remaining") === "0" ||
    header(e, "retry-after") !== undefined ||
    /rate limit/i.test(e.message)
  );
}

/** How long to wait before retrying, or undefined when the error is not worth a retry. */
function retryDelay(e: HttpishError, attempt: number, cfg: RetryOptions, now: number): number | undefined {
  if (isRateLimited(e)) {
    const after = header(e, "retry-after");
    if (after !== undefined && /^\d+$/.test(after)) return Number(after) * 1000;
    const reset = header(e, "x-ratelimit-reset");
    if (reset !== undefined && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now) + 1000;
    // Secondary rate limit without a hint: GitHub asks for at least a minute.
    return 60_000;
  }
  if (!e.response || e.status >= 500) return cfg.baseDelayMs * 2 ** attempt;
  return undefined;
}

function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? s).trim();
}

function apiMessage(e: HttpishError): string {
  const data = e.response?.data;
  if (data && typeof data === "object" && "message" in data && typeof data.message === "string") {
    const errors = "errors" in data && Array.isArray(data.errors) ? data.errors : [];
    const detail = errors
      .map((x: unknown) => (x && typeof x === "object" && "message" in x ? String(x.message) : ""))
      .filter(Boolean)
      .join(", ");
    return detail ? `${data.message}: ${detail}` : data.message;
  }
  return firstLine(e.message);
}

export function createGitHubClient(opts: GitHubClientOptions = {}): GitHubClient {
  const baseUrl = normalizeBaseUrl(opts.baseUrl);
  const webUrl = webUrlFromApiUrl(baseUrl);
  const host = new URL(webUrl).host;
  const { token, source } = resolveGitHubToken({
    token: opts.token,
    host,
    env: opts.env,
    ghConfigDir: opts.ghConfigDir,
  });
  registerSecret(token);
  const log = opts.logger ?? silentLogger;
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...opts.retry };

  const octokit = new Octokit({
    auth: token,
    baseUrl,
    userAgent: "fixpoint",
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => log.warn({ github: redactSecrets(m) }, "github warning"),
      error: (m: string) => log.debug({ github: redactSecrets(m) }, "github error"),
    },
  });

  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(options);
      } catch (err) {
        const e = asHttpError(err);
        if (!e || attempt >= retry.maxRetries) throw err;
        const wait = retryDelay(e, attempt, retry, Date.now());
        if (wait === undefined || wait > retry.maxWaitMs) throw err;
        log.warn(
          { status: e.status, waitMs: wait, attempt: attempt + 1, url: String(options.url) },
          isRateLimited(e) ? "GitHub rate limit; waiting before retrying" : "GitHub request failed; retrying",
        );
        await retry.sleep(wait);
      }
    }
  });

  /** Turns any failure into a one-line FixpointError naming what was being done. */
  function fail(err: unknown, what: string, notFound?: string): never {
    const e = asHttpError(err);
    if (!e) {
      if (err instanceof UsageError || err instanceof InfraError) throw err;
      throw new InfraError(
        redactSecrets(`GitHub ${what} failed: ${firstLine(String((err as Error)?.message ?? err))}`),
      );
    }
    const msg = redactSecrets(apiMessage(e));
    if (e.status === 401) {
      throw new UsageError(
        token
          ? `GitHub token rejected (401): set GITHUB_TOKEN (or GH_TOKEN) to a valid token (the token came from ${source})`
          : "GitHub requires a token (401): set GITHUB_TOKEN (or GH_TOKEN), or log in with gh",
      );
    }
    if (e.status === 404) {
      throw new UsageError(
        `${notFound ?? what} not found on ${host} (404)${token ? ": check the name, and that the token can see it" : ": check the name, or set GITHUB_TOKEN for a private repository"}`,
      );
    }
    if (isRateLimited(e)) {
      const reset = header(e, "x-ratelimit-reset");
      const when =
        reset && /^\d+$/.test(reset) ? `; it resets at ${new Date(Number(reset) * 1000).toISOString()}` : "";
      throw new InfraError(`GitHub rate limit exceeded while trying to ${what} (${e.status})${when}`);
    }
    if (e.status === 403) {
      throw new UsageError(`GitHub refused to ${what} (403): ${msg} (the token lacks a permission?)`);
    }
    if (e.status === 422 || e.status === 409 || e.status === 410) {
      throw new UsageError(`GitHub rejected the request to ${what} (${e.status}): ${msg}`);
    }
    if (!e.response) throw new InfraError(`cannot reach GitHub at ${baseUrl} to ${what}: ${msg}`);
    throw new InfraError(`GitHub error ${e.status} while trying to ${what}: ${msg}`);
  }

  function parse<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
    const r = schema.safeParse(data);
    if (!r.success)
      throw new InfraError(describeZodError(`unexpected GitHub response for ${what}`, r.error.issues));
    return r.data;
  }

  async function call<T>(what: string, fn: () => Promise<T>, notFound?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      fail(err, what, notFound);
    }
  }

  const client: GitHubClient = {
    baseUrl,
    webUrl,
    host,
    tokenSource: source,
    gitToken: () => token,

    async getIssue(owner, repo, number) {
      const what = `read issue ${owner}/${repo}#${number}`;
      const res = await call(
        what,
        () => octokit.rest.issues.get({ owner, repo, issue_number: number }),
        `issue ${owner}/${repo}#${number}`,
      );
      return parse(issueSchema, res.data, what);
    },

    async listIssueComments(owner, repo, number) {
      const what = `list comments of ${owner}/${repo}#${number}`;
      const data = await call(
        what,
        () =>
          octokit.paginate(octokit.rest.issues.listComments, {
            owner,
            repo,
            issue_number: number,
            per_page: 100,
          }),
        `issue ${owner}/${repo}#${number}`,
      );
      return parse(z.array(commentSchema), data, what);
    },

    async getRepo(owner, repo) {
      const what = `read repository ${owner}/${repo}`;
      const res = await call(
        what,
        () => octokit.rest.repos.get({ owner, repo }),
        `repository ${owner}/${repo}`,
      );
      return parse(repoSchema, res.data, what);
    },

    async findOpenFixpointPR(owner, repo, issueNumber, branch) {
      const what = `list pull requests of ${owner}/${repo}`;
      const res = await call(
        what,
        () =>
          octokit.rest.pulls.list({ owner, repo, state: "open", head: `${owner}:${branch}`, per_page: 100 }),
        `repository ${owner}/${repo}`,
      );
      const pulls = parse(z.array(pullSchema), res.data, what);
      const pr = pulls.find((p) => p.head === branch && p.state === "open");
      if (!pr) return undefined;
      return { ...pr, fromFixpoint: pr.body.includes(pullRequestMarker(issueNumber)) };
    },

    async createPullRequest(owner, repo, input) {
      const what = `open a pull request in ${owner}/${repo}`;
      const res = await call(
        what,
        () =>
          octokit.rest.pulls.create({
            owner,
            repo,
            title: redactSecrets(input.title),
            head: input.head,
            base: input.base,
            body: redactSecrets(input.body),
            draft: input.draft,
          }),
        `repository ${owner}/${repo}`,
      );
      return parse(pullSchema, res.data, what);
    },

    async updatePullRequest(owner, repo, number, input) {
      const what = `update pull request ${owner}/${repo}#${number}`;
      const res = await call(
        what,
        () =>
          octokit.rest.pulls.update({
            owner,
            repo,
            pull_number: number,
            ...(input.title !== undefined ? { title: redactSecrets(input.title) } : {}),
            ...(input.body !== undefined ? { body: redactSecrets(input.body) } : {}),
          }),
        `pull request ${owner}/${repo}#${number}`,
      );
      return parse(pullSchema, res.data, what);
    },

    async createComment(owner, repo, issueNumber, body) {
      const what = `comment on ${owner}/${repo}#${issueNumber}`;
      const res = await call(
        what,
        () =>
          octokit.rest.issues.createComment({
            owner,
            repo,
            issue_number: issueNumber,
            body: redactSecrets(body),
          }),
        `issue ${owner}/${repo}#${issueNumber}`,
      );
      return parse(commentSchema, res.data, what);
    },

    async updateComment(owner, repo, commentId, body) {
      const what = `update comment ${commentId} in ${owner}/${repo}`;
      const res = await call(
        what,
        () =>
          octokit.rest.issues.updateComment({
            owner,
            repo,
            comment_id: commentId,
            body: redactSecrets(body),
          }),
        `comment ${commentId} in ${owner}/${repo}`,
      );
      return parse(commentSchema, res.data, what);
    },

    async getCollaboratorPermission(owner, repo, user) {
      const what = `read the permission of ${user} on ${owner}/${repo}`;
      try {
        const res = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: user });
        const p = parse(permissionSchema, res.data, what);
        const role = (p.role_name ?? p.permission).toLowerCase();
        const known: RepoPermission[] = ["admin", "maintain", "write", "triage", "read", "none"];
        return known.includes(role as RepoPermission) ? (role as RepoPermission) : "none";
      } catch (err) {
        // GitHub answers 404 for a user who is not a collaborator (or does not exist): no access.
        if (asHttpError(err)?.status === 404) return "none";
        fail(err, what);
      }
    },
  };
  return client;
}
