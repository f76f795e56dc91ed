/**
 * `fixpoint solve --issue OWNER/REPO#N --pr` through the real binary: the issue is read from a
 * local server speaking GitHub's REST API (real octokit), the repository cloned from a local
 * bare remote, the scripted model solves it, a branch is pushed and a draft PR opened and linked.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadFixture } from "../../src/task/index.js";
import { cleanEnv, runCliAsync } from "../support/cli.js";
import { FakeGitHub } from "../support/fake-github.js";
import { fixtureRepo, tempDir } from "../support/fixtures.js";

const TOKEN = "ghp_cliSolveTestToken0123456789abcdef";
let gh: FakeGitHub;
let bare: string;

beforeEach(async () => {
  const { dir } = await fixtureRepo("py-median");
  bare = join(tempDir("remote"), "stats.git");
  execFileSync("git", ["clone", "-q", "--bare", dir, bare]);
  gh = await new FakeGitHub({ token: TOKEN }).start();
  gh.addRepo({ owner: "octo", name: "stats", cloneUrl: bare, gitDir: bare });
  gh.addIssue("octo", "stats", {
    number: 1,
    title: "median() is wrong for even-length lists",
    body: loadFixture("py-median").task.problemStatement,
  });
});
afterEach(() => gh.close());

function solve(extra: string[], script = loadFixture("py-median").scriptPath) {
  const out = tempDir("out");
  const args = [
    "solve",
    "--issue",
    "octo/stats#1",
    "--base-url",
    gh.url,
    "--model",
    `scripted:${script}`,
    "--sandbox",
    "local",
    "--clone-dir",
    join(tempDir("clones"), "octo__stats"),
    "--out",
    out,
    ...extra,
  ];
  return { out, run: runCliAsync(args, { env: cleanEnv({ GITHUB_TOKEN: TOKEN }) }) };
}

describe("fixpoint solve on a GitHub issue", () => {
  it("pushes fixpoint/issue-1, opens a draft PR with the run in its body, and comments on the issue", async () => {
    const { out, run } = solve(["--pr"]);
    const r = await run;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /pull request created: .*\/octo\/stats\/pull\/\d+ \(branch fixpoint\/issue-1, draft\)/,
    );

    const fixed = execFileSync("git", ["--git-dir", bare, "show", "fixpoint/issue-1:statkit/stats.py"], {
      encoding: "utf8",
    });
    expect(fixed).toContain("(ordered[mid - 1] + ordered[mid]) / 2");
    const [pr] = gh.pulls("octo", "stats");
    expect(pr).toMatchObject({ head: "fixpoint/issue-1", base: "main", draft: true });
    expect(pr!.body).toContain("Fixes #1");
    expect(pr!.body).toContain("median() averages the two middle values");
    expect(pr!.body).toMatch(/passed/);
    const comments = gh.comments("octo", "stats", 1);
    expect(comments.some((c) => c.body.includes(`/pull/${pr!.number}`))).toBe(true);

    // The token is in none of the run's files, the PR or the comments.
    const runDir = join(out, readdirSync(out)[0]!);
    const files = readdirSync(runDir).map((f) => readFileSync(join(runDir, f), "utf8"));
    for (const text of [...files, pr!.body, ...comments.map((c) => c.body), r.stdout, r.stderr]) {
      expect(text).not.toContain(TOKEN);
    }
  });

  it("opens no pull request when the run does not solve the issue (exit 1)", async () => {
    const { writeScript } = await import("../support/fixtures.js");
    const never = writeScript(
      `loop: true\nturns:\n  - tool_calls:\n      - name: bash\n        input: { command: "echo hmm >> NOTES" }\n`,
    );
    const { run } = solve(["--pr", "--max-steps", "2"], never);
    const r = await run;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/no pull request/);
    expect(gh.pulls("octo", "stats")).toHaveLength(0);
  });

  it("refuses --pr on a closed issue before spending any budget (exit 2)", async () => {
    gh.addIssue("octo", "stats", { number: 2, title: "old", body: "x", state: "closed" });
    const r = await runCliAsync(
      [
        "solve",
        "--issue",
        "octo/stats#2",
        "--base-url",
        gh.url,
        "--pr",
        "--model",
        "scripted:/nonexistent.yaml",
        "--clone-dir",
        join(tempDir("clones"), "c"),
      ],
      { env: cleanEnv({ GITHUB_TOKEN: TOKEN }) },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/closed/);
  });
});
