/** `fixpoint solve` and `fixpoint demo`: one task through the agent, printed as a summary or JSON. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pc from "picocolors";
import { digestRun, resultSummary, type SolveOutcome, solveTask } from "../agent/index.js";
import { fixpointCacheDir, UsageError } from "../common/index.js";
import {
  createGitHubClient,
  openPullRequestForRun,
  PullRequestRefused,
  type PullRequestResult,
} from "../github/index.js";
import type { Logger } from "../log/index.js";
import { createModel, type ModelOptions } from "../model/index.js";
import type { Task } from "../task/index.js";
import {
  loadFixture,
  loadGitHubIssueTask,
  looksLikeIssueReference,
  makeLocalTask,
  materializeFixture,
  readIssueText,
  resolveIssueReference,
  resolveRepo,
} from "../task/index.js";
import { applyPatch } from "../vcs/index.js";
import { type FlagValues, resolveSettings, type Settings } from "./config.js";
import { openRunContext } from "./run-context.js";

export interface SolveFlags extends FlagValues {
  repo?: string;
  issue?: string;
  config?: string;
  apply?: boolean;
  json?: boolean;
  pr?: boolean;
  ready?: boolean;
  branch?: string;
  pushUnsolved?: boolean;
  cloneDir?: string;
}

/** Maps a run's status to the CLI exit code. */
export function exitCodeFor(o: Pick<SolveOutcome, "status" | "errorExitCode">): number {
  if (o.status === "submitted") return 0;
  if (o.status === "exit_interrupted") return 130;
  if (o.status === "exit_error") return o.errorExitCode === 2 || o.errorExitCode === 3 ? o.errorExitCode : 3;
  return 1;
}

export async function runSolve(flags: SolveFlags): Promise<number> {
  const settings = resolveSettings(flags.config, flags);
  if (flags.issue && looksLikeIssueReference(flags.issue, { baseUrl: settings.githubBaseUrl })) {
    return runGitHubSolve(flags, settings);
  }
  if (flags.pr) throw new UsageError("--pr needs a GitHub issue (--issue URL, OWNER/REPO#N or #N)");
  const repo = await resolveRepo(flags.repo);
  if (repo.kind !== "local") {
    throw new UsageError(
      "--repo: clone URLs are supported with GitHub issues (--issue URL); give a local checkout here",
    );
  }
  const issue = readIssueText(flags.issue);
  const task = makeLocalTask({ repo, issue });
  const outcome = await runTask(task, repo.path, settings, { json: flags.json });
  if (flags.apply && outcome.status === "submitted" && outcome.patch.trim()) {
    const how = await applyPatch(repo.path, outcome.patch);
    if (!flags.json) console.log(`  applied to ${repo.path} (${how.method})`);
  } else if (flags.apply && !flags.json) {
    console.log(`  not applied: the run did not submit a patch (${outcome.status})`);
  }
  return exitCodeFor(outcome);
}

/**
 * A GitHub issue: read it (title, body, comments), work in the given clone or a cached clone at
 * the default branch, solve, and with `--pr` push a branch and open (or update) a pull request.
 */
async function runGitHubSolve(flags: SolveFlags, settings: Settings): Promise<number> {
  const client = createGitHubClient({
    ...(settings.githubBaseUrl ? { baseUrl: settings.githubBaseUrl } : {}),
  });
  const repoPath = flags.repo ? await resolveLocalRepo(flags.repo) : undefined;
  const location = await resolveIssueReference(flags.issue!, { baseUrl: client.baseUrl, repoPath });
  const cloneDir = repoPath
    ? undefined
    : resolve(flags.cloneDir ?? join(cacheDir(), "repos", `${location.owner}__${location.repo}`));
  const loaded = await loadGitHubIssueTask(flags.issue!, {
    client,
    ...(repoPath ? { repoPath } : {}),
    ...(cloneDir ? { cloneDir } : {}),
  });
  if (!loaded.repoPath) throw new UsageError("could not find a checkout of the issue's repository");
  // Refuse before spending budget when a pull request could not be opened anyway.
  if (flags.pr && loaded.issue.state === "closed") {
    throw new UsageError(
      `${location.owner}/${location.repo}#${location.number} is closed: not opening a pull request`,
    );
  }
  if (flags.pr && loaded.issue.locked) {
    throw new UsageError(
      `${location.owner}/${location.repo}#${location.number} is locked: not opening a pull request`,
    );
  }
  if (!flags.json) console.log(`fixpoint: ${loaded.issue.htmlUrl} — ${loaded.issue.title}`);
  const outcome = await runTask(loaded.task, loaded.repoPath, settings, {
    json: flags.json,
    quietJson: flags.pr,
  });
  let pr: PullRequestResult | undefined;
  if (flags.pr) {
    pr = await openPullRequestForRun({
      client,
      repoPath: loaded.repoPath,
      issue: { owner: location.owner, repo: location.repo, number: location.number },
      result: digestRun(outcome),
      options: {
        ...(flags.branch ? { branch: flags.branch } : {}),
        draft: !flags.ready,
        pushUnsolved: Boolean(flags.pushUnsolved),
        ...(loaded.task.baseCommit ? { baseRef: loaded.task.baseCommit } : {}),
      },
    }).catch((err: unknown) => {
      // A refused PR after an unsolved run is the run's outcome (exit 1), not a usage error.
      if (err instanceof PullRequestRefused && err.reason === "not-submitted") return undefined;
      throw err;
    });
  }
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ ...resultSummary(outcome), ...(pr ? { pullRequest: pr } : {}) })}\n`,
    );
  } else if (pr) {
    console.log(
      pr.action === "pushed-only"
        ? `  pushed branch ${pr.branch} (no pull request: the run did not solve the issue)`
        : `  pull request ${pr.action}: ${pr.prUrl} (branch ${pr.branch}${pr.draft ? ", draft" : ""})`,
    );
  } else if (flags.pr) {
    console.log("  no pull request: the run did not solve the issue (--push-unsolved pushes the branch)");
  }
  return exitCodeFor(outcome);
}

async function resolveLocalRepo(path: string): Promise<string> {
  const repo = await resolveRepo(path);
  if (repo.kind !== "local")
    throw new UsageError("--repo: give a local clone here; GitHub issues are cloned by default");
  return repo.path;
}

/** Where fixpoint keeps clones and graph databases: $XDG_CACHE_HOME/fixpoint or ~/.cache/fixpoint. */
export function cacheDir(): string {
  return fixpointCacheDir();
}

/** Runs one task with resolved settings and prints the outcome. */
export async function runTask(
  task: Task,
  repoPath: string,
  settings: Settings,
  out: { json?: boolean; modelSpec?: string; quietJson?: boolean },
): Promise<SolveOutcome> {
  const ctx = openRunContext({
    taskId: task.id,
    outDir: settings.outDir,
    maxSteps: settings.maxSteps,
    quiet: out.json,
  });
  try {
    const spec = out.modelSpec ?? settings.model;
    const model = await createModel(spec, modelOptions(settings, ctx.log));
    const outcome = await solveTask({
      runId: ctx.runId,
      task,
      repoPath,
      model,
      sandbox: settings.sandbox,
      docker: settings.docker,
      runDir: ctx.runDir,
      budget: {
        maxSteps: settings.maxSteps,
        maxCostUsd: settings.maxCostUsd,
        maxTokens: settings.maxTokens,
        maxTimeMs: settings.maxTimeMs,
      },
      ...(settings.testCommand ? { testCommand: settings.testCommand } : {}),
      testGate: settings.testGate,
      gate: { scope: settings.gateScope, hops: settings.gateHops, fullBudgetMs: settings.gateFullBudgetMs },
      ...(settings.promptsDir ? { promptsDir: settings.promptsDir } : {}),
      commandTimeoutMs: settings.commandTimeoutMs,
      graph: settings.graph,
      log: ctx.log,
      signal: ctx.signal,
      onEvent: (e) => ctx.onEvent(e),
      config: { ...settings, model: spec },
    });
    ctx.dispose();
    // With --pr and --json the caller prints one object that includes the pull request.
    if (!(out.json && out.quietJson)) printOutcome(outcome, out.json);
    return outcome;
  } finally {
    ctx.dispose();
  }
}

/** Model options from the resolved settings (the config's snake_case pricing mapped over). */
export function modelOptions(settings: Settings, log: Logger): ModelOptions {
  const pricing = settings.pricing
    ? Object.fromEntries(
        Object.entries(settings.pricing).map(([m, p]) => [
          m,
          {
            input: p.input,
            output: p.output,
            ...(p.cache_read !== undefined ? { cacheRead: p.cache_read } : {}),
            ...(p.cache_write !== undefined ? { cacheWrite: p.cache_write } : {}),
          },
        ]),
      )
    : undefined;
  return {
    ...(settings.modelBaseUrl ? { baseUrl: settings.modelBaseUrl } : {}),
    ...(pricing ? { pricing } : {}),
    ...(settings.maxRetries !== undefined ? { maxRetries: settings.maxRetries } : {}),
    ...(settings.retryBaseMs !== undefined ? { retryBaseMs: settings.retryBaseMs } : {}),
    ...(settings.requestTimeoutMs !== undefined ? { timeoutMs: settings.requestTimeoutMs } : {}),
    log,
  };
}

export function printOutcome(o: SolveOutcome, json?: boolean): void {
  const s = resultSummary(o);
  if (json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const color = o.status === "submitted" ? pc.green : o.status === "exit_error" ? pc.red : pc.yellow;
  const verdict = o.status === "submitted" ? "solved" : "not solved";
  console.log(
    `${color(`${o.status}`)} (${verdict}) — ${s.steps} steps, $${s.costUsd.toFixed(4)}, ${(s.elapsedMs / 1000).toFixed(1)} s, sandbox ${s.sandbox}`,
  );
  if (o.error) console.log(`  error:      ${o.error}`);
  if (s.tests) {
    const c = s.tests.counts;
    const counts = c
      ? ` (${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.error} errors)`
      : "";
    console.log(`  tests:      ${s.tests.command} → exit ${s.tests.exitCode}${counts}`);
  }
  console.log(`  patch:      ${s.patchPath} (${s.patchLines} lines)`);
  console.log(`  trajectory: ${s.trajectoryPath}`);
  console.log(`  log:        ${s.logPath}`);
}

export interface DemoFlags extends FlagValues {
  config?: string;
  json?: boolean;
  fixture?: string;
}

/** Solves a bundled fixture end to end: the real model with ANTHROPIC_API_KEY, else its script. */
export async function runDemo(flags: DemoFlags): Promise<number> {
  const settings = resolveSettings(flags.config, flags);
  const fixture = loadFixture(flags.fixture ?? "js-duration");
  const dir = mkdtempSync(join(tmpdir(), `fixpoint-demo-${fixture.name}-`));
  const task = await materializeFixture(fixture, dir);
  const real = Boolean(process.env.ANTHROPIC_API_KEY) && !flags.model;
  const spec = flags.model ?? (real ? settings.model : `scripted:${fixture.scriptPath}`);
  if (!flags.json) {
    console.log(`fixpoint demo: fixture ${pc.bold(fixture.name)} (${fixture.language}) in ${dir}`);
    console.log(
      real
        ? `  model: ${spec} (ANTHROPIC_API_KEY is set)`
        : flags.model
          ? `  model: ${spec}`
          : `  model: the fixture's scripted model (${fixture.scriptPath}); set ANTHROPIC_API_KEY to use ${settings.model}`,
    );
    console.log(`  issue: ${fixture.task.problemStatement.split("\n")[0]}`);
  }
  const outcome = await runTask(task, dir, settings, { json: flags.json, modelSpec: spec });
  if (!flags.json && outcome.patch) console.log(`\n${outcome.patch}`);
  return exitCodeFor(outcome);
}
