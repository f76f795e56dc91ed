import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ActionLimits,
  type ActionSolveOutcome,
  runAction,
  type SolveFn,
  type SolveHooks,
} from "../../src/action/index.js";
import { PROGRESS_MARKER } from "../../src/github/index.js";
import { createLogger } from "../../src/log/index.js";
import type { Task } from "../../src/task/index.js";
import { cloneOf, git, makeRemote, type Remote } from "../github/git-fixtures.js";
import { FakeGitHub } from "../support/fake-github.js";
import { readOutputs } from "./outputs.js";

const TOKEN = "ghs_actionTestToken_5f3a9c1e7b";
const API_KEY = "sk-ant-actiontest-0123456789abcdef";
const EVENTS = join(import.meta.dirname, "..", "fixtures", "github-events");

let gh: FakeGitHub;
let remote: Remote;
let workspace: string;
let temp: string;
let calls: Array<{ task: Task; limits: ActionLimits }>;

beforeEach(async () => {
  gh = await new FakeGitHub({ token: TOKEN }).start();
  remote = makeRemote();
  workspace = cloneOf(remote, "workspace");
  temp = mkdtempSync(join(tmpdir(), "fixpoint-runner-"));
  gh.addRepo({ owner: "octo", name: "calc", cloneUrl: remote.bare, gitDir: remote.bare });
  gh.addIssue("octo", "calc", {
    number: 1,
    title: "add() subtracts its arguments",
    body: "calc.add(2, 2) returns 0.",
  });
  gh.setPermission("octo", "calc", "maintainer", "write");
  gh.setPermission("octo", "calc", "drive-by", "read");
  calls = [];
});
afterEach(() => gh.close());

function runnerEnv(event: string, over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const outputs = join(temp, "github_output");
  writeFileSync(outputs, "");
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_EVENT_NAME: event.startsWith("issues.") ? "issues" : "issue_comment",
    GITHUB_EVENT_PATH: join(EVENTS, event),
    GITHUB_REPOSITORY: "octo/calc",
    GITHUB_SERVER_URL: "https://github.example",
    GITHUB_RUN_ID: "77",
    GITHUB_API_URL: gh.url,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputs,
    GITHUB_STEP_SUMMARY: join(temp, "step_summary.md"),
    RUNNER_TEMP: temp,
    "INPUT_GITHUB-TOKEN": TOKEN,
    "INPUT_API-KEY": API_KEY,
    INPUT_LABEL: "fixpoint",
    INPUT_COMMAND: "/fixpoint",
    ...over,
  };
}

/** A solver that fixes calc.py in the checkout, like the agent would, and leaks secrets into its files. */
function fixingSolver(opts: { submitted?: boolean } = {}): SolveFn {
  return async (task, limits, hooks: SolveHooks): Promise<ActionSolveOutcome> => {
    calls.push({ task, limits });
    hooks.progress("localized", "calc.py: add()");
    const file = join(hooks.repoPath, "calc.py");
    writeFileSync(file, readFileSync(file, "utf8").replace("return a - b", "return a + b"));
    hooks.progress("tests", "3 passed, 0 failed");
    hooks.logger.info({ note: `env has GITHUB_TOKEN=${TOKEN} and key ${API_KEY}` }, "solver step");
    const trajectoryPath = join(temp, "trajectory.json");
    writeFileSync(trajectoryPath, JSON.stringify({ steps: [{ observation: `token ${TOKEN}` }] }));
    return {
      status: opts.submitted === false ? "exit_cost" : "submitted",
      submitted: opts.submitted !== false,
      patch: git(hooks.repoPath, "diff"),
      costUsd: 0.31,
      steps: 9,
      summary: `Fixed add(). (Debug: ${TOKEN})`,
      testReport: { command: "python3 -m pytest -q", exitCode: 0, counts: { passed: 3, failed: 0 } },
      trajectoryExcerpt: `bash: echo ${TOKEN}`,
      trajectoryPath,
    };
  };
}

describe("runAction", () => {
  it("labelled issue: one progress comment, updated to done with the PR link; outputs set; branch pushed", async () => {
    const env = runnerEnv("issues.labeled.json");
    const res = await runAction({ env, solve: fixingSolver(), retry: { sleep: async () => {} } });
    expect(res).toMatchObject({ status: "solved", exitCode: 0, branch: "fixpoint/issue-1" });

    expect(calls).toHaveLength(1);
    expect(calls[0]!.limits).toEqual({ maxCostUsd: 2, maxTimeMs: 1_800_000, maxSteps: 60 });
    expect(calls[0]!.task).toMatchObject({
      id: "octo__calc-1",
      repo: { kind: "local", path: workspace },
      repoName: "octo/calc",
    });

    const posts = gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/issues/1/comments"));
    expect(posts).toHaveLength(1);
    expect(JSON.parse(posts[0]!.body).body).toContain(PROGRESS_MARKER);
    const patches = gh.requests.filter((r) => r.method === "PATCH" && r.path.includes("/issues/comments/"));
    expect(patches.length).toBeGreaterThanOrEqual(2);
    const [comment] = gh.comments("octo", "calc", 1);
    expect(gh.comments("octo", "calc", 1)).toHaveLength(1);
    expect(comment!.body).toContain("**fixpoint** · done");
    expect(comment!.body).toContain("✅ **Localized**: calc.py: add()");
    expect(comment!.body).toContain("✅ **Tests**: `python3 -m pytest -q` exited 0 (3 passed, 0 failed)");
    expect(comment!.body).toContain(`opened draft pull request #2: ${gh.url}/octo/calc/pull/2`);
    expect(comment!.body).toContain("[Workflow run](https://github.example/octo/calc/actions/runs/77)");
    // The intermediate states were shown too.
    expect(patches.some((r) => JSON.parse(r.body).body.includes("⏳ **Tests**: 3 passed, 0 failed"))).toBe(
      true,
    );

    const outputs = readOutputs(env.GITHUB_OUTPUT!);
    expect(outputs).toMatchObject({
      status: "solved",
      "pr-url": `${gh.url}/octo/calc/pull/2`,
      branch: "fixpoint/issue-1",
      cost: "0.3100",
    });
    expect(readFileSync(outputs["patch-path"]!, "utf8")).toContain("+    return a + b");
    expect(readFileSync(outputs["trajectory-path"]!, "utf8")).toContain("[REDACTED]");
    expect(git(remote.bare, "show", "fixpoint/issue-1:calc.py")).toContain("return a + b");
    const [pr] = gh.pulls("octo", "calc");
    expect(pr).toMatchObject({ draft: true, head: "fixpoint/issue-1" });
    expect(pr!.body).toContain("[Workflow run](https://github.example/octo/calc/actions/runs/77)");
  });

  it("collaborator comment: the instructions reach the task", async () => {
    const env = runnerEnv("issue_comment.collaborator.json", {
      INPUT_DRAFT: "false",
      "INPUT_MAX-COST": "0.75",
    });
    const res = await runAction({ env, solve: fixingSolver() });
    expect(res.status).toBe("solved");
    expect(calls[0]!.limits.maxCostUsd).toBe(0.75);
    expect(calls[0]!.task.hints).toBe(
      "Instructions from @maintainer: keep the signature of add() unchanged\nand add a test for negative numbers",
    );
    expect(gh.pulls("octo", "calc")[0]!.draft).toBe(false);
  });

  it("outsider comment: a polite reply and nothing runs", async () => {
    const env = runnerEnv("issue_comment.outsider.json");
    const res = await runAction({ env, solve: fixingSolver() });
    expect(res).toMatchObject({ status: "denied", exitCode: 0 });
    expect(calls).toHaveLength(0);
    const comments = gh.comments("octo", "calc", 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("Thanks for the interest, @drive-by!");
    expect(comments[0]!.body).toContain("write access");
    expect(comments[0]!.body).not.toContain(PROGRESS_MARKER);
    expect(gh.pulls("octo", "calc")).toHaveLength(0);
    expect(readOutputs(env.GITHUB_OUTPUT!).status).toBe("denied");
  });

  it("comment on a pull request: skipped without calling GitHub", async () => {
    const env = runnerEnv("issue_comment.pull_request.json");
    const res = await runAction({ env, solve: fixingSolver() });
    expect(res).toMatchObject({ status: "skipped", exitCode: 0 });
    expect(gh.requests).toHaveLength(0);
    expect(calls).toHaveLength(0);
    expect(readOutputs(env.GITHUB_OUTPUT!)).toMatchObject({ status: "skipped", "pr-url": "" });
  });

  it("an unsolved run: the comment says so and no pull request is opened", async () => {
    const env = runnerEnv("issues.labeled.json");
    const res = await runAction({ env, solve: fixingSolver({ submitted: false }) });
    expect(res).toMatchObject({ status: "unsolved", exitCode: 0, reason: "exit_cost" });
    expect(gh.pulls("octo", "calc")).toHaveLength(0);
    expect(gh.comments("octo", "calc", 1)[0]!.body).toContain("finished without a fix");
  });

  it("a solver that ignores the time limit is abandoned and the comment says it failed", async () => {
    const env = runnerEnv("issues.labeled.json", { "INPUT_MAX-TIME": "1s" });
    let aborted = false;
    const res = await runAction({
      env,
      graceMs: 100,
      solve: (_task, _limits, hooks) => {
        hooks.signal.addEventListener("abort", () => {
          aborted = true;
        });
        return new Promise(() => {});
      },
    });
    expect(aborted).toBe(true);
    expect(res).toMatchObject({ status: "error", exitCode: 3 });
    expect(res.reason).toMatch(/exceeded max-time \(1s\)/);
    expect(gh.comments("octo", "calc", 1)[0]!.body).toContain("**fixpoint** · failed");
  });

  it("a bad input fails with one line and touches nothing", async () => {
    const env = runnerEnv("issues.labeled.json", { "INPUT_MAX-STEPS": "many" });
    const res = await runAction({ env, solve: fixingSolver() });
    expect(res).toMatchObject({ status: "error", exitCode: 2 });
    expect(res.reason).toMatch(/^action input: max-steps: /);
    expect(gh.requests).toHaveLength(0);
  });
});

describe("secrets", () => {
  it("never appear in request bodies, log lines, outputs or any file written", async () => {
    const logFile = join(temp, "logs", "action.log");
    const logger = createLogger({ file: logFile, pretty: false, level: "debug" });
    const artifacts = join(temp, "artifacts");
    mkdirSync(artifacts);
    for (const event of [
      "issues.labeled.json",
      "issue_comment.collaborator.json",
      "issue_comment.outsider.json",
    ]) {
      const env = runnerEnv(event, { FIXPOINT_ARTIFACTS_DIR: artifacts });
      await runAction({ env, solve: fixingSolver(), logger });
    }
    // A failing call whose error carries the token in GitHub's message.
    gh.inject({ method: "POST", path: /\/comments$/, status: 422, body: { message: `bad body ${TOKEN}` } });
    await runAction({
      env: runnerEnv("issues.labeled.json", { FIXPOINT_ARTIFACTS_DIR: artifacts }),
      solve: fixingSolver(),
      logger,
    });
    logger.flush();

    expect(calls.length).toBeGreaterThanOrEqual(2);
    const bodies = gh.requests.map((r) => r.body).join("\n");
    expect(bodies.length).toBeGreaterThan(1000);
    expect(bodies).toContain("[REDACTED]"); // the summary and excerpt did carry the token
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p !== join(temp, "trajectory.json")) files.push(p); // the solver's own file, not ours
      }
    };
    walk(temp);
    expect(files).toContain(logFile);
    expect(readFileSync(logFile, "utf8").split("\n").length).toBeGreaterThan(10);
    for (const secret of [TOKEN, API_KEY]) {
      expect(bodies).not.toContain(secret);
      for (const f of files)
        expect({ f, has: readFileSync(f, "utf8").includes(secret) }).toEqual({ f, has: false });
      for (const c of gh.comments("octo", "calc")) expect(c.body).not.toContain(secret);
      for (const p of gh.pulls("octo", "calc")) expect(p.body).not.toContain(secret);
      expect(git(remote.bare, "log", "--all", "--format=%B")).not.toContain(secret);
    }
  });
});
