/**
 * The run: read the inputs and the event, decide whether to run, check that the person asking
 * may, keep the progress comment up to date, solve within the cost/time limits, open the pull
 * request, and write the step outputs and artifacts. The solver is passed in (main.ts passes the
 * agent, solver.ts), so this file does not depend on the agent.
 */
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { errorMessage, FixpointError, UsageError } from "../common/index.js";
import {
  COMMENT_MARKER,
  createGitHubClient,
  type GitHubClient,
  openPullRequestForRun,
  PullRequestRefused,
  type RetryOptions,
  type RunOutcome,
} from "../github/index.js";
import { type Logger, redactSecrets, silentLogger } from "../log/index.js";
import { loadGitHubIssueTask, type Task } from "../task/index.js";
import { summarizePatch } from "../vcs/index.js";
import { checkActorPermission } from "./access.js";
import { type ActionInputs, readActionInputs } from "./inputs.js";
import { writeActionOutputs } from "./outputs.js";
import { ProgressComment, testsDetail } from "./progress.js";
import { decideTrigger } from "./trigger.js";

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

/** Copies a text file into `dir` with secrets redacted (in place when it already is there). */
async function copyRedacted(path: string | undefined, dir: string): Promise<string | undefined> {
  if (!path || !existsSync(path)) return undefined;
  const dest = join(dir, basename(path));
  const text = await readFile(path, "utf8");
  const clean = redactSecrets(text);
  if (resolve(path) !== dest || clean !== text) await writeFile(dest, clean);
  return dest;
}

/** One run of the Action for one event; a failure becomes an `error` result with its exit code. */
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
    progress = new ProgressComment({ client, owner, repo, issue: issueNumber, runUrl, log }, decision.actor);
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
    if (progress.stateOf("Localized") === "running") {
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
