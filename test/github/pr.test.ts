import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createGitHubClient,
  type GitHubClient,
  openPullRequestForRun,
  PullRequestRefused,
  pullRequestMarker,
  type RunOutcome,
  renderPullRequestBody,
} from "../../src/github/index.js";
import { summarizePatch } from "../../src/vcs/index.js";
import { FakeGitHub } from "../support/fake-github.js";
import { cloneOf, FIX_PATCH, git, makeRemote, type Remote } from "./git-fixtures.js";

const TOKEN = "ghs_prTestTokenABCDEF0123456789";

let gh: FakeGitHub;
let remote: Remote;
let clone: string;
let client: GitHubClient;

function outcome(over: Partial<RunOutcome> = {}): RunOutcome {
  return {
    status: "submitted",
    submitted: true,
    patch: FIX_PATCH,
    costUsd: 0.4213,
    steps: 12,
    summary: "`add` subtracted its arguments; it now adds them.",
    testReport: { command: "python3 -m pytest -q", exitCode: 0, counts: { passed: 3, failed: 0 } },
    trajectoryExcerpt: `step 1 bash: cat calc.py\nstep 2 env shows GITHUB_TOKEN=${TOKEN}\n\`\`\`\nfenced\n\`\`\``,
    ...over,
  };
}

function branchInRemote(branch: string): string | undefined {
  try {
    return git(remote.bare, "rev-parse", "--verify", "--quiet", `refs/heads/${branch}`);
  } catch {
    return undefined;
  }
}

beforeEach(async () => {
  gh = await new FakeGitHub({ token: TOKEN }).start();
  remote = makeRemote();
  clone = cloneOf(remote);
  gh.addRepo({ owner: "octo", name: "calc", cloneUrl: remote.bare, gitDir: remote.bare });
  gh.addIssue("octo", "calc", { number: 1, title: "add() subtracts", body: "2 + 2 gives 0" });
  client = createGitHubClient({ token: TOKEN, baseUrl: gh.url, env: {}, retry: { sleep: async () => {} } });
});
afterEach(() => gh.close());

const issue = { owner: "octo", repo: "calc", number: 1 };

describe("openPullRequestForRun", () => {
  it("pushes fixpoint/issue-N, opens a draft pull request with the expected body, and links it from the issue", async () => {
    const res = await openPullRequestForRun({ client, repoPath: clone, issue, result: outcome() });
    expect(res).toMatchObject({ action: "created", branch: "fixpoint/issue-1", prNumber: 2, draft: true });
    expect(res.prUrl).toBe(`${gh.url}/octo/calc/pull/2`);

    expect(git(remote.bare, "show", "fixpoint/issue-1:calc.py")).toContain("return a + b");
    expect(git(remote.bare, "log", "-1", "--format=%s", "fixpoint/issue-1")).toBe("Fix #1: add() subtracts");
    expect(git(remote.bare, "rev-parse", "fixpoint/issue-1^")).toBe(git(remote.bare, "rev-parse", "main"));

    const [pr] = gh.pulls("octo", "calc");
    expect(pr).toMatchObject({
      head: "fixpoint/issue-1",
      base: "main",
      draft: true,
      title: "Fix #1: add() subtracts",
    });
    const body = pr!.body;
    expect(body).toContain(pullRequestMarker(1));
    expect(body).toContain("Fixes #1");
    expect(body).toContain("## Summary\n\n`add` subtracted its arguments; it now adds them.");
    expect(body).toMatch(
      /## Files changed\n\n\| File \| Change \| \+ \| − \|\n\|---\|---\|--:\|--:\|\n\| `calc.py` \| modified \| 1 \| 1 \|/,
    );
    expect(body).toContain("`python3 -m pytest -q` exited with code 0: 3 passed, 0 failed.");
    expect(body).toContain("| `submitted` | 12 | $0.42 |");
    expect(body).toMatch(
      /<details>\n<summary>Trajectory excerpt<\/summary>\n\n````text\nstep 1 bash: cat calc.py/,
    );
    expect(body).toContain("[REDACTED]");
    expect(body).not.toContain(TOKEN);

    const comments = gh.comments("octo", "calc", 1);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(
      `opened draft pull request #2 for this issue: ${gh.url}/octo/calc/pull/2`,
    );
  });

  it("updates the open fixpoint pull request instead of opening another", async () => {
    await openPullRequestForRun({ client, repoPath: clone, issue, result: outcome() });
    const again = await openPullRequestForRun({
      client,
      repoPath: clone,
      issue,
      result: outcome({ patch: FIX_PATCH.replace("return a + b", "return b + a"), summary: "Second try." }),
    });
    expect(again).toMatchObject({ action: "updated", prNumber: 2 });
    const pulls = gh.pulls("octo", "calc");
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.body).toContain("Second try.");
    expect(git(remote.bare, "show", "fixpoint/issue-1:calc.py")).toContain("return b + a");
    expect(gh.comments("octo", "calc", 1).at(-1)!.body).toContain("updated pull request #2");
    expect(gh.requests.filter((r) => r.method === "POST" && r.path.endsWith("/pulls"))).toHaveLength(1);
  });

  it.each([
    ["closed", { state: "closed" as const }],
    ["locked", { locked: true }],
  ])("refuses when the issue is %s: nothing pushed, no pull request", async (reason, patch) => {
    gh.setIssue("octo", "calc", 1, patch);
    const err = await openPullRequestForRun({ client, repoPath: clone, issue, result: outcome() }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PullRequestRefused);
    expect((err as PullRequestRefused).reason).toBe(reason);
    expect((err as Error).message).toBe(`octo/calc#1 is ${reason}: not opening a pull request`);
    expect(branchInRemote("fixpoint/issue-1")).toBeUndefined();
    expect(gh.pulls("octo", "calc")).toHaveLength(0);
  });

  it("refuses an unsubmitted run, and with pushUnsolved pushes the branch only", async () => {
    const unsolved = outcome({ status: "exit_cost", submitted: false });
    const err = await openPullRequestForRun({ client, repoPath: clone, issue, result: unsolved }).catch(
      (e: unknown) => e,
    );
    expect((err as PullRequestRefused).reason).toBe("not-submitted");
    expect(branchInRemote("fixpoint/issue-1")).toBeUndefined();

    const res = await openPullRequestForRun({
      client,
      repoPath: clone,
      issue,
      result: unsolved,
      options: { pushUnsolved: true, branch: "fixpoint/try-{n}" },
    });
    expect(res).toMatchObject({ action: "pushed-only", branch: "fixpoint/try-1" });
    expect(res.prUrl).toBeUndefined();
    expect(branchInRemote("fixpoint/try-1")).toBeDefined();
    expect(gh.pulls("octo", "calc")).toHaveLength(0);
    expect(gh.comments("octo", "calc", 1)).toHaveLength(0);
  });

  it("refuses an empty patch and a pull request on the branch that fixpoint did not open", async () => {
    await expect(
      openPullRequestForRun({ client, repoPath: clone, issue, result: outcome({ patch: "" }) }),
    ).rejects.toMatchObject({ reason: "empty-patch" });
    gh.addPull("octo", "calc", {
      title: "mine",
      body: "hand made",
      head: "fixpoint/issue-1",
      base: "main",
      draft: false,
    });
    await expect(
      openPullRequestForRun({ client, repoPath: clone, issue, result: outcome() }),
    ).rejects.toMatchObject({
      reason: "foreign-pr",
    });
  });

  it("opens a ready pull request where drafts are not available, and can skip the issue comment", async () => {
    gh.inject({
      method: "POST",
      path: /\/pulls$/,
      status: 422,
      body: {
        message: "Validation Failed",
        errors: [{ message: "Draft pull requests are not supported in this repository." }],
      },
    });
    const res = await openPullRequestForRun({
      client,
      repoPath: clone,
      issue,
      result: outcome(),
      options: { commentOnIssue: false },
    });
    expect(res).toMatchObject({ action: "created", draft: false });
    expect(gh.comments("octo", "calc", 1)).toHaveLength(0);
  });
});

describe("renderPullRequestBody", () => {
  it("lists failing tests, keeps the excerpt inside its fence, and stays under GitHub's size limit", async () => {
    const body = await renderPullRequestBody({
      issue: { number: 9, title: "t" },
      result: outcome({
        summary: undefined,
        testReport: {
          command: "npm test",
          exitCode: 1,
          counts: { passed: 1, failed: 1 },
          failing: ["test_add"],
        },
        trajectoryExcerpt: `${"x".repeat(200_000)}\n\`\`\`\`\`\n`,
      }),
      files: summarizePatch(FIX_PATCH),
      draft: false,
    });
    expect(body).toContain("Changes 1 file to address #9 (t).");
    expect(body).toContain("Still failing:\n- `test_add`");
    expect(body).toContain("``````text");
    expect(body.length).toBeLessThan(60_500);
    expect(body).toContain("elided");
  });
});
