import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfraError, UsageError } from "../../src/common/index.js";
import { createGitHubClient, resolveGitHubToken, webUrlFromApiUrl } from "../../src/github/index.js";
import { FakeGitHub } from "../support/fake-github.js";

const TOKEN = "ghp_clientTestToken0123456789";
let gh: FakeGitHub;
const sleeps: number[] = [];
const fast = { sleep: async (ms: number) => void sleeps.push(ms), baseDelayMs: 10 };

beforeAll(async () => {
  gh = await new FakeGitHub({ token: TOKEN }).start();
  gh.addRepo({ owner: "octo", name: "calc" });
  gh.addIssue("octo", "calc", {
    number: 3,
    title: "add() subtracts",
    body: "See ![shot](https://example.com/a.png)",
  });
  for (let i = 0; i < 105; i++)
    gh.addComment("octo", "calc", 3, { body: `comment ${i}`, author: `user${i % 3}` });
});
afterAll(() => gh.close());

const client = (over: Partial<Parameters<typeof createGitHubClient>[0]> = {}) =>
  createGitHubClient({ token: TOKEN, baseUrl: gh.url, env: {}, retry: fast, ...over });

describe("GitHub client against the fake server", () => {
  it("reads an issue, every page of comments, and the repository", async () => {
    const c = client();
    const issue = await c.getIssue("octo", "calc", 3);
    expect(issue).toMatchObject({
      number: 3,
      state: "open",
      locked: false,
      author: "reporter",
      isPullRequest: false,
    });
    expect(issue.body).toContain("https://example.com/a.png");
    const comments = await c.listIssueComments("octo", "calc", 3);
    expect(comments).toHaveLength(105);
    expect(comments[104]!.body).toBe("comment 104");
    expect((await c.getRepo("octo", "calc")).defaultBranch).toBe("main");
    expect(gh.requests.at(-1)!.headers.authorization).toBe(`token ${TOKEN}`);
  });

  it("turns a 401 into a one-line UsageError naming GITHUB_TOKEN", async () => {
    const err = await client({ token: "ghp_wrongwrongwrong" })
      .getIssue("octo", "calc", 3)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^GitHub token rejected \(401\): set GITHUB_TOKEN/);
    expect((err as Error).message).not.toContain("\n");
    expect((err as Error).message).not.toContain("ghp_wrongwrongwrong");
  });

  it("turns a 404 into a UsageError naming the resource", async () => {
    await expect(client().getIssue("octo", "calc", 999)).rejects.toThrow(
      /^issue octo\/calc#999 not found on 127\.0\.0\.1:\d+ \(404\)/,
    );
    await expect(client().getRepo("octo", "nope")).rejects.toThrow(/^repository octo\/nope not found/);
    await expect(client().getRepo("octo", "nope")).rejects.toBeInstanceOf(UsageError);
  });

  it("waits out a 429 with retry-after and then succeeds", async () => {
    sleeps.length = 0;
    gh.inject({
      path: /\/issues\/3$/,
      status: 429,
      headers: { "retry-after": "2" },
      body: { message: "slow down" },
    });
    const issue = await client().getIssue("octo", "calc", 3);
    expect(issue.number).toBe(3);
    expect(sleeps).toEqual([2000]);
  });

  it("waits for x-ratelimit-reset on a 403 with no requests remaining", async () => {
    sleeps.length = 0;
    const reset = Math.floor(Date.now() / 1000) + 5;
    gh.inject({
      path: /\/issues\/3$/,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      body: { message: "API rate limit exceeded" },
    });
    await client().getIssue("octo", "calc", 3);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]!).toBeGreaterThan(1000);
    expect(sleeps[0]!).toBeLessThanOrEqual(7000);
  });

  it("gives up with an InfraError when the limit outlasts the retries or the cap", async () => {
    sleeps.length = 0;
    gh.inject({ path: /\/issues\/3$/, status: 429, headers: { "retry-after": "1" }, times: 10 });
    const err = await client({ retry: { ...fast, maxRetries: 2 } })
      .getIssue("octo", "calc", 3)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(
      /rate limit exceeded while trying to read issue octo\/calc#3 \(429\)/,
    );
    expect(sleeps).toEqual([1000, 1000]);
    gh.clearFaults();
    sleeps.length = 0;
    const reset = Math.floor(Date.now() / 1000) + 3600;
    gh.inject({
      path: /\/repos\/octo\/calc$/,
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
      body: { message: "API rate limit exceeded" },
    });
    const late = await client()
      .getRepo("octo", "calc")
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(InfraError);
    expect((late as Error).message).toContain(`resets at ${new Date(reset * 1000).toISOString()}`);
    expect(sleeps).toEqual([]);
  });

  it("retries server errors and reports a plain 403 as a permission problem", async () => {
    sleeps.length = 0;
    gh.inject({ path: /\/repos\/octo\/calc$/, status: 502, times: 2 });
    expect((await client().getRepo("octo", "calc")).name).toBe("calc");
    expect(sleeps).toEqual([10, 20]);
    gh.inject({ path: /\/repos\/octo\/calc$/, status: 503, times: 10 });
    await expect(client({ retry: { ...fast, maxRetries: 1 } }).getRepo("octo", "calc")).rejects.toThrow(
      /GitHub error 503/,
    );
    gh.clearFaults();
    gh.inject({
      method: "POST",
      path: /\/comments$/,
      status: 403,
      body: { message: "Resource not accessible by integration" },
    });
    const err = await client()
      .createComment("octo", "calc", 3, "hi")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(
      /refused to comment on octo\/calc#3 \(403\): Resource not accessible/,
    );
  });

  it("says when GitHub cannot be reached", async () => {
    const err = await createGitHubClient({
      token: TOKEN,
      baseUrl: "http://127.0.0.1:9",
      env: {},
      retry: { ...fast, maxRetries: 1 },
    })
      .getRepo("octo", "calc")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(/cannot reach GitHub at http:\/\/127\.0\.0\.1:9/);
  });

  it("maps collaborator roles, and unknown users to none", async () => {
    gh.setPermission("octo", "calc", "maint", "maintain");
    expect(await client().getCollaboratorPermission("octo", "calc", "maint")).toBe("maintain");
    expect(await client().getCollaboratorPermission("octo", "calc", "stranger")).toBe("read");
    gh.inject({ path: /\/collaborators\/ghost\/permission$/, status: 404 });
    expect(await client().getCollaboratorPermission("octo", "calc", "ghost")).toBe("none");
  });
});

describe("token discovery", () => {
  it("prefers the option, then GH_TOKEN / GITHUB_TOKEN, then gh's hosts.yml for the host", () => {
    const dir = mkdtempSync(join(tmpdir(), "gh-config-"));
    writeFileSync(
      join(dir, "hosts.yml"),
      "github.com:\n    user: me\n    oauth_token: gho_fromHostsFile123\n    git_protocol: https\nghe.example.com:\n    oauth_token: gho_enterprise456\n",
    );
    expect(resolveGitHubToken({ token: "x123456", host: "github.com", env: {} }).source).toBe("option");
    expect(
      resolveGitHubToken({ host: "github.com", env: { GITHUB_TOKEN: "envtok123" }, ghConfigDir: dir }),
    ).toEqual({
      token: "envtok123",
      source: "GITHUB_TOKEN",
    });
    expect(resolveGitHubToken({ host: "github.com", env: {}, ghConfigDir: dir })).toEqual({
      token: "gho_fromHostsFile123",
      source: "hosts.yml",
    });
    expect(resolveGitHubToken({ host: "ghe.example.com", env: { GH_CONFIG_DIR: dir } }).token).toBe(
      "gho_enterprise456",
    );
    expect(resolveGitHubToken({ host: "other.example.com", env: { GH_CONFIG_DIR: dir } })).toEqual({
      source: "none",
    });
    writeFileSync(join(dir, "hosts.yml"), "github.com: [oops\n");
    expect(() => resolveGitHubToken({ host: "github.com", env: { GH_CONFIG_DIR: dir } })).toThrow(
      /not valid YAML/,
    );
  });

  it("derives the web URL from the API URL and rejects a bad --base-url", () => {
    expect(webUrlFromApiUrl("https://api.github.com")).toBe("https://github.com");
    expect(webUrlFromApiUrl("https://ghe.example.com/api/v3")).toBe("https://ghe.example.com");
    expect(() => createGitHubClient({ baseUrl: "not a url", env: {} })).toThrow(
      /--base-url: "not a url" is not a URL/,
    );
    expect(createGitHubClient({ baseUrl: "https://ghe.example.com/api/v3/", env: {} }).host).toBe(
      "ghe.example.com",
    );
  });
});
