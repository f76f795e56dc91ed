import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import { COMMENT_MARKER, createGitHubClient, type GitHubClient } from "../../src/github/index.js";
import {
  loadGitHubIssueTask,
  looksLikeIssueReference,
  parseIssueReference,
  resolveIssueReference,
} from "../../src/task/github.js";
import { FakeGitHub } from "../support/fake-github.js";
import { cloneOf, git, makeRemote, type Remote } from "./git-fixtures.js";

describe("parseIssueReference", () => {
  it("reads the three forms", () => {
    expect(parseIssueReference("https://github.com/octo/calc/issues/12")).toEqual({
      kind: "url",
      host: "github.com",
      owner: "octo",
      repo: "calc",
      number: 12,
    });
    expect(parseIssueReference("https://github.com/octo/calc/issues/12#issuecomment-5?x=1").kind).toBe("url");
    expect(parseIssueReference(" octo/calc.js#7 ")).toEqual({
      kind: "full",
      owner: "octo",
      repo: "calc.js",
      number: 7,
    });
    expect(parseIssueReference("#3")).toEqual({ kind: "short", number: 3 });
    expect(
      parseIssueReference("https://ghe.example.com/team/app/issues/4", {
        baseUrl: "https://ghe.example.com/api/v3",
      }),
    ).toMatchObject({ host: "ghe.example.com", owner: "team", number: 4 });
  });

  it.each([
    ["#abc", /issue reference "#abc": number: /],
    ["#0", /number: must be positive/],
    ["-bad/calc#1", /owner: not a GitHub user or organization name/],
    ["https://gitlab.com/octo/calc/issues/1", /gitlab\.com is not a known GitHub host \(pass --base-url/],
    ["https://ghe.example.com/team/app/issues/4", /not a known GitHub host/],
    ["https://github.com/octo/calc/pull/3", /that is a pull request, not an issue/],
    ["https://github.com/octo/calc", /expected a URL ending in \/OWNER\/REPO\/issues\/N/],
    ["fix the bug please", /expected https:\/\/github\.com\/OWNER\/REPO\/issues\/N, OWNER\/REPO#N or #N/],
  ])("rejects %s with one line", (ref, msg) => {
    let err: unknown;
    try {
      parseIssueReference(ref);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).not.toContain("\n");
  });

  it("tells references from file names and text", () => {
    expect(looksLikeIssueReference("#12")).toBe(true);
    expect(looksLikeIssueReference("octo/calc#1")).toBe(true);
    expect(looksLikeIssueReference("https://github.com/o/r/issues/1")).toBe(true);
    expect(looksLikeIssueReference("issue.md")).toBe(false);
    expect(looksLikeIssueReference("the add function is broken")).toBe(false);
  });
});

describe("loadGitHubIssueTask", () => {
  const TOKEN = "ghp_taskTestToken99887766";
  let gh: FakeGitHub;
  let remote: Remote;
  let client: GitHubClient;

  beforeAll(async () => {
    gh = await new FakeGitHub({ token: TOKEN }).start();
    remote = makeRemote();
    gh.addRepo({ owner: "octo", name: "calc", cloneUrl: remote.bare, gitDir: remote.bare });
    gh.addIssue("octo", "calc", {
      number: 5,
      title: "add() subtracts",
      body: "2 + 2 gives 0.\n\n![screenshot](https://user-images.example.com/shot.png)",
      author: "alice",
      labels: ["bug", "fixpoint"],
    });
    gh.addComment("octo", "calc", 5, {
      body: "Also add(1, 1) is 0.",
      author: "bob",
      createdAt: "2024-05-03T09:15:00Z",
    });
    gh.addComment("octo", "calc", 5, {
      body: `${COMMENT_MARKER}\nfixpoint opened #9`,
      author: "github-actions[bot]",
      type: "Bot",
    });
    gh.addIssue("octo", "calc", { number: 6, title: "a PR", isPullRequest: true });
    client = createGitHubClient({ token: TOKEN, baseUrl: gh.url, env: {} });
  });
  afterAll(() => gh.close());

  it("makes a Task from the issue, its comments and a fresh clone", async () => {
    const cloneDir = join(remote.root, "clone-for-task");
    const res = await loadGitHubIssueTask(`${gh.url}/octo/calc/issues/5`, {
      client,
      cloneDir,
      instructions: " only touch calc.py ",
    });
    const { task } = res;
    expect(task).toMatchObject({
      id: "octo__calc-5",
      repo: { kind: "local", path: cloneDir },
      origin: `${gh.url}/octo/calc/issues/5`,
      repoName: "octo/calc",
      hints: "only touch calc.py",
      baseCommit: git(remote.bare, "rev-parse", "main"),
    });
    expect(task.problemStatement).toBe(
      [
        "# add() subtracts",
        "",
        "Issue octo/calc#5, opened by @alice on 2024-05-01 10:00 UTC. Labels: bug, fixpoint.",
        "",
        "2 + 2 gives 0.",
        "",
        "![screenshot](https://user-images.example.com/shot.png)",
        "",
        "## Comments",
        "",
        "### @bob on 2024-05-03 09:15 UTC",
        "",
        "Also add(1, 1) is 0.",
        "",
      ].join("\n"),
    );
    expect(res.clone?.reused).toBe(false);
    expect(res.repo.defaultBranch).toBe("main");
  });

  it("resolves #N from the clone's origin, and names the clone URL when there is no checkout", async () => {
    const dir = cloneOf(remote, "clone-short");
    git(dir, "remote", "set-url", "origin", `${gh.url}/octo/calc.git`);
    expect(await resolveIssueReference("#5", { baseUrl: gh.url, repoPath: dir })).toMatchObject({
      owner: "octo",
      repo: "calc",
      number: 5,
    });
    const res = await loadGitHubIssueTask("#5", { client, repoPath: dir });
    expect(res.task.repo).toEqual({ kind: "local", path: dir });
    expect(res.task.baseCommit).toBe(git(dir, "rev-parse", "HEAD"));
    const byName = await loadGitHubIssueTask("octo/calc#5", { client });
    expect(byName.task.repo).toEqual({ kind: "url", url: remote.bare });
  });

  it("refuses pull requests, #N without a clone, a clone of another repository, and a host mismatch", async () => {
    await expect(loadGitHubIssueTask("octo/calc#6", { client })).rejects.toThrow(
      /is a pull request, not an issue/,
    );
    await expect(loadGitHubIssueTask("#5", { client })).rejects.toThrow(/#N needs --repo/);
    const dir = cloneOf(remote, "clone-other");
    git(dir, "remote", "set-url", "origin", `${gh.url}/someone/else.git`);
    await expect(loadGitHubIssueTask("octo/calc#5", { client, repoPath: dir })).rejects.toThrow(
      /is a clone of someone\/else, but the issue is in octo\/calc/,
    );
    await expect(loadGitHubIssueTask("https://github.com/octo/calc/issues/5", { client })).rejects.toThrow(
      /the issue is on github\.com but the API is 127\.0\.0\.1/,
    );
    await expect(loadGitHubIssueTask("octo/calc#404", { client })).rejects.toThrow(
      /issue octo\/calc#404 not found/,
    );
  });
});
