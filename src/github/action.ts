/**
 * The GitHub Action: decide from the event whether to run, check that the person asking may,
 * keep one progress comment up to date, solve within the cost/time limits, open the pull request,
 * and write the step outputs and artifacts.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { describeZodError, errorMessage, FixpointError, parseDuration, UsageError } from "../common/index.js";
import { type Logger, redactSecrets, registerSecret, silentLogger } from "../log/index.js";
import { loadGitHubIssueTask } from "../task/github.js";
import type { Task } from "../task/types.js";
import { summarizePatch } from "../vcs/index.js";
import { createGitHubClient, type GitHubClient, type RetryOptions } from "./client.js";
import { COMMENT_MARKER, PROGRESS_MARKER } from "./markers.js";
import { openPullRequestForRun, PullRequestRefused, type RunOutcome } from "./pr.js";
import type { RepoPermission } from "./types.js";

// ---------------------------------------------------------------- inputs

export const DEFAULT_MAX_COST_USD = 2;
export const DEFAULT_MAX_TIME = "30m";
export const DEFAULT_MAX_STEPS = 60;

const boolText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ["true", "false", "yes", "no", "1", "0"].includes(s), "expected true or false")
  .transform((s) => ["true", "yes", "1"].includes(s));

const inputsSchema = z.object({
  label: z.string().trim().min(1).default("fixpoint"),
  command: z.string().trim().regex(/^\S+$/, "must be one word, like /fixpoint").default("/fixpoint"),
  allowedBots: z
    .string()
    .default("")
    .transform((s) =>
      s
        .split(/[\s,]+/)
        .map((b) => b.trim())
        .filter(Boolean),
    ),
  // Per-run caps: nobody can burn the API budget by opening issues. Hard ceilings keep a typo safe.
  maxCostUsd: z.coerce
    .number()
    .positive("must be more than 0")
    .max(100, "at most 100 (USD) per run")
    .default(DEFAULT_MAX_COST_USD),
  maxTime: z.string().default(DEFAULT_MAX_TIME),
  maxSteps: z.coerce.number().int("must be a whole number").min(1).max(1000).default(DEFAULT_MAX_STEPS),
  model: z.string().trim().optional(),
  draft: boolText.default(true),
  sandbox: z.enum(["docker", "local", "auto"]).default("docker"),
  githubToken: z.string().trim().optional(),
  baseUrl: z.string().trim().optional(),
  branch: z.string().trim().optional(),
  apiKey: z.string().optional(),
  apiKeyEnv: z
    .string()
    .trim()
    .regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name")
    .default("ANTHROPIC_API_KEY"),
});

export interface ActionInputs {
  label: string;
  command: string;
  allowedBots: string[];
  maxCostUsd: number;
  maxTimeMs: number;
  maxSteps: number;
  model?: string;
  draft: boolean;
  sandbox: "docker" | "local" | "auto";
  githubToken?: string;
  baseUrl?: string;
  branch?: string;
  apiKey?: string;
  apiKeyEnv: string;
}

/** An input as the runner passes it: `INPUT_MAX-COST` (node actions) or `INPUT_MAX_COST` (our composite step). */
function input(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const up = name.toUpperCase();
  const v = env[`INPUT_${up}`] ?? env[`INPUT_${up.replaceAll("-", "_")}`];
  return v === undefined || v.trim() === "" ? undefined : v;
}

/** Reads and validates the Action's inputs; a bad one is a one-line UsageError naming it. */
export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const raw = {
    label: input(env, "label"),
    command: input(env, "command"),
    allowedBots: input(env, "allowed-bots"),
    maxCostUsd: input(env, "max-cost")?.replace(/^\$/, ""),
    maxTime: input(env, "max-time"),
    maxSteps: input(env, "max-steps"),
    model: input(env, "model"),
    draft: input(env, "draft"),
    sandbox: input(env, "sandbox"),
    githubToken: input(env, "github-token"),
    baseUrl: input(env, "base-url"),
    branch: input(env, "branch"),
    apiKey: input(env, "api-key"),
    apiKeyEnv: input(env, "api-key-env"),
  };
  const names: Record<string, string> = {
    maxCostUsd: "max-cost",
    maxTime: "max-time",
    maxSteps: "max-steps",
    allowedBots: "allowed-bots",
    githubToken: "github-token",
    baseUrl: "base-url",
    apiKey: "api-key",
    apiKeyEnv: "api-key-env",
  };
  const r = inputsSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ ...i, path: i.path.map((p) => names[String(p)] ?? p) }));
    throw new UsageError(describeZodError("action input", issues));
  }
  const maxTimeMs = parseDuration(r.data.maxTime, "action input max-time");
  if (maxTimeMs <= 0 || maxTimeMs > 6 * 3_600_000)
    throw new UsageError("action input max-time: between 1s and 6h");
  const { maxTime: _, ...rest } = r.data;
  registerSecret(rest.githubToken);
  registerSecret(rest.apiKey);
  return { ...rest, maxTimeMs };
}

// ---------------------------------------------------------------- the trigger

const actorSchema = z.object({ login: z.string(), type: z.string().optional() });
const eventIssueSchema = z.object({
  number: z.number().int().positive(),
  state: z.string().optional(),
  pull_request: z.unknown().optional(),
});
const eventSchema = z.object({
  action: z.string().optional(),
  issue: eventIssueSchema.optional(),
  label: z.object({ name: z.string() }).optional(),
  comment: z
    .object({ id: z.number().int(), body: z.string().nullable().optional(), user: actorSchema })
    .optional(),
  sender: actorSchema.optional(),
  repository: z.object({ full_name: z.string() }).optional(),
});

export type TriggerDecision =
  | {
      run: true;
      issueNumber: number;
      actor: string;
      actorIsBot: boolean;
      trigger: "label" | "comment";
      instructions?: string;
      commentId?: number;
    }
  | { run: false; reason: string };

function isBot(user: { login: string; type?: string }): boolean {
  return user.type === "Bot" || user.login.endsWith("[bot]");
}

function botAllowed(login: string, allowed: string[]): boolean {
  const bare = login.toLowerCase().replace(/\[bot\]$/, "");
  return allowed.some((a) => a.toLowerCase().replace(/\[bot\]$/, "") === bare);
}

/**
 * Whether an event starts a run. Runs on: `issues` `labeled` with the configured label, and
 * `issue_comment` `created` whose body starts with the command (the rest is instructions).
 * Not on: other actions (edited comments included), closed issues, comments on pull requests
 * (fixpoint resolves issues; revising a pull request is not supported), bots not listed.
 */
export function decideTrigger(
  event: unknown,
  eventName: string,
  inputs: Pick<ActionInputs, "label" | "command" | "allowedBots">,
): TriggerDecision {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) return { run: false, reason: describeZodError("event payload", parsed.error.issues) };
  const e = parsed.data;
  if (eventName !== "issues" && eventName !== "issue_comment") {
    return {
      run: false,
      reason: `event "${eventName}" is not a trigger (use issues: labeled or issue_comment: created)`,
    };
  }
  if (!e.issue) return { run: false, reason: `${eventName} event without an issue` };
  if (e.issue.pull_request !== undefined && e.issue.pull_request !== null) {
    return { run: false, reason: "pull requests are not supported: fixpoint works on issues" };
  }
  if (e.issue.state === "closed") return { run: false, reason: `issue #${e.issue.number} is closed` };

  if (eventName === "issues") {
    if (e.action !== "labeled")
      return { run: false, reason: `issues event "${e.action}" is not a trigger (only labeled)` };
    if (!e.label || e.label.name.toLowerCase() !== inputs.label.toLowerCase()) {
      return { run: false, reason: `label "${e.label?.name ?? ""}" is not "${inputs.label}"` };
    }
    if (!e.sender) return { run: false, reason: "event without a sender" };
    if (isBot(e.sender) && !botAllowed(e.sender.login, inputs.allowedBots)) {
      return { run: false, reason: `label added by bot ${e.sender.login}, which is not in allowed-bots` };
    }
    return {
      run: true,
      issueNumber: e.issue.number,
      actor: e.sender.login,
      actorIsBot: isBot(e.sender),
      trigger: "label",
    };
  }

  if (e.action !== "created")
    return { run: false, reason: `comment ${e.action ?? "event"}: only new comments are read` };
  if (!e.comment) return { run: false, reason: "issue_comment event without a comment" };
  const body = (e.comment.body ?? "").trimStart();
  const cmd = inputs.command;
  const next = body.charAt(cmd.length);
  if (body.slice(0, cmd.length).toLowerCase() !== cmd.toLowerCase() || (next !== "" && !/\s/.test(next))) {
    return { run: false, reason: `comment does not start with ${cmd}` };
  }
  const user = e.comment.user;
  if (isBot(user) && !botAllowed(user.login, inputs.allowedBots)) {
    return { run: false, reason: `comment by bot ${user.login}, which is not in allowed-bots` };
  }
  const instructions = body.slice(cmd.length).trim();
  return {
    run: true,
    issueNumber: e.issue.number,
    actor: user.login,
    actorIsBot: isBot(user),
    trigger: "comment",
    commentId: e.comment.id,
    ...(instructions ? { instructions } : {}),
  };
}

// ---------------------------------------------------------------- access control

export interface PermissionCheck {
  allowed: boolean;
  permission: RepoPermission | "listed-bot";
}

/** Write, maintain or admin on the repository, or a bot listed in allowed-bots. */
export async function checkActorPermission(
  client: GitHubClient,
  repo: { owner: string; repo: string },
  actor: { login: string; isBot: boolean },
  inputs: Pick<ActionInputs, "allowedBots">,
): Promise<PermissionCheck> {
  if (actor.isBot && botAllowed(actor.login, inputs.allowedBots))
    return { allowed: true, permission: "listed-bot" };
  const permission = await client.getCollaboratorPermission(repo.owner, repo.repo, actor.login);
  return { allowed: ["admin", "maintain", "write"].includes(permission), permission };
}

// ---------------------------------------------------------------- outputs

/** Appends outputs to $GITHUB_OUTPUT in the heredoc form, which is safe for multi-line values. */
export async function writeActionOutputs(file: string, outputs: Record<string, string>): Promise<void> {
  let text = "";
  for (const [name, raw] of Object.entries(outputs)) {
    const value = redactSecrets(raw);
    let delim = `ghadelimiter_${randomBytes(8).toString("hex")}`;
    while (value.includes(delim)) delim = `ghadelimiter_${randomBytes(8).toString("hex")}`;
    text += `${name}<<${delim}\n${value}\n${delim}\n`;
  }
  await appendFile(file, text);
}

// ---------------------------------------------------------------- progress comment

type PhaseState = "pending" | "running" | "done" | "failed" | "skipped";

interface Progress {
  headline: string;
  phases: Array<{ name: string; state: PhaseState; detail: string }>;
  footer: string[];
}

const ICON: Record<PhaseState, string> = {
  pending: "⬜",
  running: "⏳",
  done: "✅",
  failed: "❌",
  skipped: "➖",
};

function renderProgress(p: Progress, runUrl: string | undefined): string {
  const lines = [PROGRESS_MARKER, `**fixpoint** · ${p.headline}`, ""];
  for (const ph of p.phases)
    lines.push(`- ${ICON[ph.state]} **${ph.name}**${ph.detail ? `: ${ph.detail}` : ""}`);
  if (p.footer.length) lines.push("", ...p.footer);
  if (runUrl) lines.push("", `[Workflow run](${runUrl})`);
  return lines.join("\n");
}

/** One comment, created once and edited as the run goes on; failures to edit it are logged, never fatal. */
class ProgressComment {
  private id: number | undefined;
  private last = "";
  private queue: Promise<void> = Promise.resolve();
  readonly state: Progress;

  constructor(
    private readonly client: GitHubClient,
    private readonly owner: string,
    private readonly repo: string,
    private readonly issue: number,
    private readonly runUrl: string | undefined,
    private readonly log: Logger,
    actor: string,
  ) {
    this.state = {
      headline: "working on this issue",
      phases: [
        { name: "Started", state: "done", detail: `requested by @${actor}` },
        { name: "Localized", state: "running", detail: "" },
        { name: "Tests", state: "pending", detail: "" },
        { name: "Result", state: "pending", detail: "" },
      ],
      footer: [],
    };
  }

  async create(): Promise<void> {
    const body = renderProgress(this.state, this.runUrl);
    const c = await this.client.createComment(this.owner, this.repo, this.issue, body);
    this.id = c.id;
    this.last = body;
  }

  phase(name: string, state: PhaseState, detail?: string): void {
    const ph = this.state.phases.find((p) => p.name === name);
    if (ph) {
      ph.state = state;
      if (detail !== undefined) ph.detail = detail.replace(/\s+/g, " ").slice(0, 300);
    }
  }

  /** Queues an edit; edits happen in order and identical bodies are not sent again. */
  flush(): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.id === undefined) return;
      const body = renderProgress(this.state, this.runUrl);
      if (body === this.last) return;
      try {
        await this.client.updateComment(this.owner, this.repo, this.id, body);
        this.last = body;
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, "could not update the progress comment");
      }
    });
    return this.queue;
  }
}

// ---------------------------------------------------------------- the run

export interface ActionLimits {
  maxCostUsd: number;
  maxTimeMs: number;
  maxSteps: number;
}

export interface SolveHooks {
  /** Report progress: `localized` (where the fix goes), `tests` (latest test status). */
  progress(phase: "localized" | "tests", detail: string): void;
  /** Aborted a little after max-time (half the grace period) if the solver has not returned. */
  signal: AbortSignal;
  /** Folder uploaded as the workflow artifact: put trajectory, logs and patch here. */
  artifactsDir: string;
  /** The local checkout to work in (the Action's workspace, or a fresh clone). */
  repoPath: string;
  inputs: ActionInputs;
  logger: Logger;
}

export interface ActionSolveOutcome extends RunOutcome {
  logPath?: string;
}

export type SolveFn = (task: Task, limits: ActionLimits, hooks: SolveHooks) => Promise<ActionSolveOutcome>;

export interface RunActionOptions {
  env: NodeJS.ProcessEnv;
  /** Event payload file; default $GITHUB_EVENT_PATH. */
  eventPath?: string;
  /** Default: a client for `github-token` / $GITHUB_TOKEN at `base-url` / $GITHUB_API_URL. */
  client?: GitHubClient;
  solve: SolveFn;
  logger?: Logger;
  /** How long past max-time to wait for the solver to stop by itself. */
  graceMs?: number;
  retry?: Partial<RetryOptions>;
}

export type ActionStatus = "solved" | "unsolved" | "skipped" | "denied" | "error";

export interface ActionResult {
  status: ActionStatus;
  /** 0 unless the run failed for a reason a maintainer must fix (bad input, infrastructure). */
  exitCode: 0 | 1 | 2 | 3;
  reason?: string;
  prUrl?: string;
  branch?: string;
  costUsd?: number;
  artifactsDir?: string;
  patchPath?: string;
  trajectoryPath?: string;
}

function workflowRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id ? `${server.replace(/\/+$/, "")}/${repo}/actions/runs/${id}` : undefined;
}

function testsDetail(t: RunOutcome["testReport"]): string {
  if (!t) return "not run";
  const c = t.counts ?? {};
  const parts = (["passed", "failed", "skipped", "error"] as const)
    .filter((k) => c[k] !== undefined)
    .map((k) => `${c[k]} ${k}`);
  return `\`${t.command}\` exited ${t.exitCode}${parts.length ? ` (${parts.join(", ")})` : ""}`;
}

/** Copies a text file into `dir` with secrets redacted (in place when it already is there). */
async function copyRedacted(path: string | undefined, dir: string): Promise<string | undefined> {
  if (!path || !existsSync(path)) return undefined;
  const dest = join(dir, basename(path));
  const text = await readFile(path, "utf8");
  const clean = redactSecrets(text);
  if (resolve(path) !== dest || clean !== text) await writeFile(dest, clean);
  return dest;
}

export async function runAction(opts: RunActionOptions): Promise<ActionResult> {
  const env = opts.env;
  const log = opts.logger ?? silentLogger;
  const outputsFile = env.GITHUB_OUTPUT;
  const artifactsDir = resolve(
    env.FIXPOINT_ARTIFACTS_DIR ?? join(env.RUNNER_TEMP ?? tmpdir(), "fixpoint-artifacts"),
  );
  let progress: ProgressComment | undefined;

  const finish = async (result: ActionResult): Promise<ActionResult> => {
    const outputs: Record<string, string> = {
      status: result.status,
      "pr-url": result.prUrl ?? "",
      branch: result.branch ?? "",
      cost: result.costUsd !== undefined ? result.costUsd.toFixed(4) : "0",
      "artifacts-dir": result.artifactsDir ?? "",
      "patch-path": result.patchPath ?? "",
      "trajectory-path": result.trajectoryPath ?? "",
      reason: result.reason ?? "",
    };
    if (outputsFile) await writeActionOutputs(outputsFile, outputs);
    if (env.GITHUB_STEP_SUMMARY && result.status !== "skipped") {
      const line = `fixpoint: **${result.status}**${result.prUrl ? ` — ${result.prUrl}` : ""}${result.reason ? ` — ${result.reason}` : ""}`;
      await appendFile(env.GITHUB_STEP_SUMMARY, `${redactSecrets(line)}\n`).catch(() => {});
    }
    log.info({ ...outputs }, `fixpoint action: ${result.status}`);
    return result;
  };

  try {
    const inputs = readActionInputs(env);
    const eventName = env.GITHUB_EVENT_NAME ?? "";
    const eventPath = opts.eventPath ?? env.GITHUB_EVENT_PATH;
    if (!eventPath)
      throw new UsageError("GITHUB_EVENT_PATH is not set: run this inside a GitHub Actions workflow");
    let event: unknown;
    try {
      event = JSON.parse(await readFile(eventPath, "utf8"));
    } catch (err) {
      throw new UsageError(`cannot read the event payload ${eventPath}: ${errorMessage(err)}`);
    }
    const decision = decideTrigger(event, eventName, inputs);
    if (!decision.run) {
      log.info({ reason: decision.reason }, "not running");
      return await finish({ status: "skipped", exitCode: 0, reason: decision.reason });
    }
    const fullName =
      env.GITHUB_REPOSITORY ?? (event as { repository?: { full_name?: string } }).repository?.full_name ?? "";
    const [owner, repo] = fullName.split("/");
    if (!owner || !repo) throw new UsageError("GITHUB_REPOSITORY is not set to OWNER/REPO");
    const client =
      opts.client ??
      createGitHubClient({
        ...(inputs.githubToken ? { token: inputs.githubToken } : {}),
        ...(inputs.baseUrl || env.GITHUB_API_URL ? { baseUrl: inputs.baseUrl || env.GITHUB_API_URL } : {}),
        env,
        logger: log,
        ...(opts.retry ? { retry: opts.retry } : {}),
      });
    const issueNumber = decision.issueNumber;

    const perm = await checkActorPermission(
      client,
      { owner, repo },
      { login: decision.actor, isBot: decision.actorIsBot },
      inputs,
    );
    if (!perm.allowed) {
      log.info({ actor: decision.actor, permission: perm.permission }, "actor may not start fixpoint");
      await client.createComment(
        owner,
        repo,
        issueNumber,
        `${COMMENT_MARKER}\nThanks for the interest, @${decision.actor}! fixpoint runs only when someone with write access to this repository asks for it, so nothing was started. A maintainer can add the \`${inputs.label}\` label or comment \`${inputs.command}\` to start it.`,
      );
      return await finish({
        status: "denied",
        exitCode: 0,
        reason: `@${decision.actor} has ${perm.permission} access`,
      });
    }

    const runUrl = workflowRunUrl(env);
    progress = new ProgressComment(client, owner, repo, issueNumber, runUrl, log, decision.actor);
    if (decision.instructions) progress.state.phases[0]!.detail += ", with instructions";
    await progress.create();
    await mkdir(artifactsDir, { recursive: true });

    const workspace = env.GITHUB_WORKSPACE;
    const useWorkspace = workspace && existsSync(join(workspace, ".git"));
    const instructions = decision.instructions
      ? `Instructions from @${decision.actor}: ${decision.instructions}`
      : undefined;
    const loaded = await loadGitHubIssueTask(`${owner}/${repo}#${issueNumber}`, {
      client,
      ...(useWorkspace
        ? { repoPath: workspace }
        : { cloneDir: join(env.RUNNER_TEMP ?? tmpdir(), `fixpoint-checkout-${owner}-${repo}`) }),
      ...(instructions ? { instructions } : {}),
      logger: log,
    });
    const repoPath = loaded.repoPath!;
    const limits: ActionLimits = {
      maxCostUsd: inputs.maxCostUsd,
      maxTimeMs: inputs.maxTimeMs,
      maxSteps: inputs.maxSteps,
    };
    progress.state.footer = [
      `Limits: $${limits.maxCostUsd.toFixed(2)}, ${Math.round(limits.maxTimeMs / 60_000)} min, ${limits.maxSteps} steps.`,
    ];
    await progress.flush();

    const abort = new AbortController();
    const grace = opts.graceMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    let hardTimer: NodeJS.Timeout | undefined;
    const hooks: SolveHooks = {
      progress: (phase, detail) => {
        if (phase === "localized") {
          progress!.phase("Localized", "done", detail);
          progress!.phase("Tests", "running");
        } else {
          progress!.phase("Localized", "done");
          progress!.phase("Tests", "running", detail);
        }
        void progress!.flush();
      },
      signal: abort.signal,
      artifactsDir,
      repoPath,
      inputs,
      logger: log,
    };
    let outcome: ActionSolveOutcome;
    try {
      // The solver's own budget stops it at max-time and keeps its best patch; the abort comes a
      // little later, for a solver that did not stop.
      timer = setTimeout(
        () => abort.abort(new Error("time limit")),
        limits.maxTimeMs + Math.floor(grace / 2),
      );
      // The solver should stop at the abort; if it does not, stop waiting after a grace period.
      const hard = new Promise<never>((_, reject) => {
        hardTimer = setTimeout(
          () =>
            reject(
              new FixpointError(
                `the run exceeded max-time (${Math.round(limits.maxTimeMs / 1000)}s) and did not stop`,
                3,
              ),
            ),
          limits.maxTimeMs + grace,
        );
      });
      outcome = await Promise.race([opts.solve(loaded.task, limits, hooks), hard]);
    } finally {
      clearTimeout(timer);
      clearTimeout(hardTimer);
    }

    // Artifacts: the patch, the trajectory, the log, and a summary, all in one uploadable folder.
    const patchPath = join(artifactsDir, "patch.diff");
    await writeFile(patchPath, redactSecrets(outcome.patch));
    // Copies are redacted: artifacts of a public repository can be downloaded by anyone.
    const trajectoryPath = await copyRedacted(outcome.trajectoryPath, artifactsDir);
    await copyRedacted(outcome.logPath, artifactsDir);
    const files = summarizePatch(outcome.patch);
    const over = outcome.costUsd > limits.maxCostUsd + 1e-9;
    if (over)
      log.warn({ costUsd: outcome.costUsd, maxCostUsd: limits.maxCostUsd }, "the run went over max-cost");
    if (progress.state.phases[1]!.state === "running") {
      // The solver did not report localization: say where the change landed instead.
      progress.phase(
        "Localized",
        files.length ? "done" : "skipped",
        files
          .map((f) => f.path)
          .slice(0, 8)
          .join(", "),
      );
    }
    progress.phase(
      "Tests",
      outcome.testReport ? (outcome.testReport.exitCode === 0 ? "done" : "failed") : "skipped",
      testsDetail(outcome.testReport),
    );
    progress.state.footer = [
      `Status \`${outcome.status}\` · ${outcome.steps} steps · $${outcome.costUsd.toFixed(2)} of $${limits.maxCostUsd.toFixed(2)}${over ? " (over the limit)" : ""} · ${files.length} file${files.length === 1 ? "" : "s"} changed.`,
    ];
    const base = {
      costUsd: outcome.costUsd,
      artifactsDir,
      patchPath,
      ...(trajectoryPath ? { trajectoryPath } : {}),
    };
    await writeFile(
      join(artifactsDir, "summary.json"),
      redactSecrets(
        JSON.stringify(
          {
            issue: `${owner}/${repo}#${issueNumber}`,
            status: outcome.status,
            submitted: outcome.submitted,
            costUsd: outcome.costUsd,
            steps: outcome.steps,
            files,
          },
          null,
          2,
        ),
      ),
    );

    if (!outcome.submitted) {
      progress.state.headline = "finished without a fix";
      progress.phase(
        "Result",
        "failed",
        `no fix within the limits (\`${outcome.status}\`); no pull request was opened`,
      );
      await progress.flush();
      return await finish({ status: "unsolved", exitCode: 0, reason: outcome.status, ...base });
    }

    try {
      const pr = await openPullRequestForRun({
        client,
        repoPath,
        issue: { owner, repo, number: issueNumber },
        result: outcome,
        options: {
          draft: inputs.draft,
          commentOnIssue: false,
          ...(inputs.branch ? { branch: inputs.branch } : {}),
          ...(runUrl ? { runUrl } : {}),
          author: {
            name: "github-actions[bot]",
            email: "41898282+github-actions[bot]@users.noreply.github.com",
          },
          logger: log,
        },
      });
      progress.state.headline = "done";
      progress.phase(
        "Result",
        "done",
        `${pr.action === "updated" ? "updated" : "opened"} ${pr.draft ? "draft " : ""}pull request #${pr.prNumber}: ${pr.prUrl}`,
      );
      await progress.flush();
      return await finish({ status: "solved", exitCode: 0, prUrl: pr.prUrl, branch: pr.branch, ...base });
    } catch (err) {
      if (!(err instanceof PullRequestRefused)) throw err;
      progress.state.headline = "done, without a pull request";
      progress.phase("Result", "skipped", err.message);
      await progress.flush();
      return await finish({ status: "unsolved", exitCode: 0, reason: err.message, ...base });
    }
  } catch (err) {
    const message = redactSecrets(errorMessage(err).split("\n")[0] ?? "");
    log.error({ err: message }, "fixpoint action failed");
    if (progress) {
      progress.state.headline = "failed";
      progress.phase("Result", "failed", message);
      await progress.flush();
    }
    const exitCode = err instanceof FixpointError ? err.exitCode : 1;
    return await finish({ status: "error", exitCode, reason: message });
  }
}
