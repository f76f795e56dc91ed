/** Bad input is one line on stderr and exit 2; an unreachable model API is exit 3 with the trajectory saved. */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../support/cli.js";
import { fixtureRepo, tempDir } from "../support/fixtures.js";

function expectOneLineError(r: { code: number; stderr: string }, code: number, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^fixpoint: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
}

describe("fixpoint solve: bad input", async () => {
  const { dir } = await fixtureRepo("py-median");
  const issue = join(tempDir("issue"), "issue.md");
  writeFileSync(issue, "median is wrong for even lists\n");

  it("missing --repo, a missing path, a non-git folder", () => {
    expectOneLineError(runCli(["solve", "--issue", "x"]), 2, /--repo is required/);
    expectOneLineError(runCli(["solve", "--repo", "/no/such/repo", "--issue", "x"]), 2, /does not exist/);
    expectOneLineError(
      runCli(["solve", "--repo", tempDir("plain"), "--issue", "x"]),
      2,
      /not a git repository/,
    );
  });

  it("a missing or empty issue", () => {
    expectOneLineError(runCli(["solve", "--repo", dir]), 2, /--issue is required/);
    expectOneLineError(runCli(["solve", "--repo", dir, "--issue", "  "]), 2, /empty/);
    const empty = join(tempDir("issue"), "empty.md");
    writeFileSync(empty, "");
    expectOneLineError(runCli(["solve", "--repo", dir, "--issue", empty]), 2, /empty/);
  });

  it("an unknown model spec and a missing API key", () => {
    const out = tempDir("out");
    expectOneLineError(
      runCli(["solve", "--repo", dir, "--issue", issue, "--model", "gpt5", "--out", out]),
      2,
      /gpt5/,
    );
    expectOneLineError(
      runCli([
        "solve",
        "--repo",
        dir,
        "--issue",
        issue,
        "--model",
        "anthropic:claude-sonnet-4-5",
        "--out",
        out,
      ]),
      2,
      /ANTHROPIC_API_KEY/,
    );
  });

  it("an invalid config file and invalid flags", () => {
    const cfgDir = tempDir("cfg");
    writeFileSync(join(cfgDir, "bad.yaml"), "max_steps: lots\n");
    expectOneLineError(
      runCli(["solve", "--repo", dir, "--issue", issue, "--config", join(cfgDir, "bad.yaml")]),
      2,
      /max_steps/,
    );
    expectOneLineError(
      runCli(["solve", "--repo", dir, "--issue", issue, "--max-steps", "-1"]),
      2,
      /--max-steps/,
    );
  });
});

describe("fixpoint solve: model API unreachable", () => {
  it("exits 3 after retries, with the trajectory saved", async () => {
    const { dir } = await fixtureRepo("py-median");
    const out = tempDir("out");
    const r = runCli(
      [
        "solve",
        "--repo",
        dir,
        "--issue",
        "median is wrong",
        "--model",
        "anthropic:claude-sonnet-4-5",
        "--model-base-url",
        "http://127.0.0.1:9", // discard port: nothing listens
        "--sandbox",
        "local",
        "--out",
        out,
      ],
      { env: cleanEnv({ ANTHROPIC_API_KEY: "sk-test-unreachable-key", FIXPOINT_RETRY_BASE_MS: "10" }) },
    );
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const runs = readdirSync(out);
    expect(runs).toHaveLength(1);
    const trajPath = join(out, runs[0]!, "trajectory.json");
    expect(existsSync(trajPath)).toBe(true);
    const traj = JSON.parse(readFileSync(trajPath, "utf8"));
    expect(traj.status).toBe("exit_error");
    expect(traj.error).toMatch(/connect|ECONNREFUSED|Connection/i);
    // The key never reaches the run's files.
    const log = readFileSync(join(out, runs[0]!, "run.log"), "utf8");
    expect(log + JSON.stringify(traj)).not.toContain("sk-test-unreachable-key");
    execFileSync("git", ["status"], { cwd: dir });
  });
});
