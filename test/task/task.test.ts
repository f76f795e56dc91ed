import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFixtures, loadFixture, materializeFixture } from "../../src/task/fixture.js";
import { readIssueText, resolveRepo } from "../../src/task/local.js";

describe("resolveRepo", () => {
  it("rejects a missing path, a non-git folder and a repository without commits", async () => {
    await expect(resolveRepo(undefined)).rejects.toThrow(/--repo is required/);
    await expect(resolveRepo("/definitely/not/here")).rejects.toThrow(/does not exist/);
    const plain = mkdtempSync(join(tmpdir(), "fp-plain-"));
    await expect(resolveRepo(plain)).rejects.toThrow(/not a git repository/);
    execFileSync("git", ["init", "-q"], { cwd: plain });
    await expect(resolveRepo(plain)).rejects.toThrow(/no commits/);
  });

  it("accepts a git checkout (from a subfolder too) and clone URLs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fp-repo-"));
    execFileSync("git", ["init", "-q"], { cwd: dir });
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "a.txt"), "a");
    execFileSync("git", ["add", "-A"], { cwd: dir });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], { cwd: dir });
    const r = await resolveRepo(join(dir, "sub"));
    expect(r.kind).toBe("local");
    expect(await resolveRepo("https://example.invalid/o/r.git")).toEqual({
      kind: "url",
      url: "https://example.invalid/o/r.git",
    });
  });
});

describe("readIssueText", () => {
  it("reads a file, takes literal text, and rejects empty input", () => {
    const dir = mkdtempSync(join(tmpdir(), "fp-issue-"));
    const f = join(dir, "issue.md");
    writeFileSync(f, "# Title\n\nBody\n");
    expect(readIssueText(f).text).toBe("# Title\n\nBody");
    expect(readIssueText("fix the bug in foo()").origin).toBe("text");
    expect(() => readIssueText(undefined)).toThrow(/--issue is required/);
    expect(() => readIssueText("   ")).toThrow(/empty/);
    writeFileSync(join(dir, "empty.md"), "\n");
    expect(() => readIssueText(join(dir, "empty.md"))).toThrow(/is empty/);
    expect(() => readIssueText(join(dir, "missing.md"))).toThrow(/does not exist/);
  });
});

describe("fixtures", () => {
  it("lists the bundled fixtures and materializes one at a fixed commit", async () => {
    const names = listFixtures();
    expect(names).toEqual(expect.arrayContaining(["go-wrap", "js-duration", "py-median"]));
    const fx = loadFixture("py-median");
    const a = await materializeFixture(fx, mkdtempSync(join(tmpdir(), "fp-fx-")));
    const b = await materializeFixture(fx, mkdtempSync(join(tmpdir(), "fp-fx-")));
    expect(a.baseCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(a.baseCommit).toBe(b.baseCommit);
    expect(a.tests?.failToPass).toEqual(["tests/test_stats.py::test_median_even"]);
  });
});
