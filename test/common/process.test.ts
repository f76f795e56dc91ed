import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InfraError } from "../../src/common/errors.js";
import { cleanGitEnv, git, gitErrorLine } from "../../src/common/git.js";
import { OutputCollector } from "../../src/common/output.js";
import { runProcess } from "../../src/common/process.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "fixpoint-common-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Whether a process runs (a zombie waiting for a reaper that may never come does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("runProcess", () => {
  it("returns exit code, stdout, stderr and duration; uses cwd, env and stdin", async () => {
    const dir = tempDir();
    const r = await runProcess("bash", ["-c", 'pwd; echo "$ONLY_HERE"; cat; echo oops >&2; exit 3'], {
      cwd: dir,
      env: { PATH: process.env.PATH, ONLY_HERE: "x y" },
      stdin: "from stdin\n",
    });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false });
    expect(r.stderr).toMatch(/oops\n$/);
    expect(r.stdout).toBe(`${dir}\nx y\nfrom stdin\n`);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("passes arguments as they are (no shell)", async () => {
    const r = await runProcess("printf", ["%s|", "a b", "$HOME", "'q'"]);
    expect(r.stdout).toBe("a b|$HOME|'q'|");
  });

  it("interrupts the whole process group on timeout", async () => {
    const t0 = Date.now();
    // A background job (it ignores SIGINT) that would outlive a kill of the direct child alone.
    const r = await runProcess("bash", ["-c", "sleep 30 & echo $!; sleep 30"], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(124);
    expect(Date.now() - t0).toBeLessThan(5000);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // The group got SIGKILL; under load the kernel may take a moment to finish it off.
    const deadline = Date.now() + 3000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });

  it("does not wait for a background job that holds the pipes", async () => {
    const t0 = Date.now();
    const r = await runProcess("bash", ["-c", "sleep 30 & echo started"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("started\n");
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("keeps all of a large output by default and caps it when asked", async () => {
    const script = "head -c 3000000 /dev/zero | tr '\\0' x";
    const all = await runProcess("bash", ["-c", script]);
    expect(all.stdout.length).toBe(3_000_000);
    const capped = await runProcess("bash", ["-c", script], { maxOutputChars: 100_000 });
    expect(capped.stdout.length).toBeLessThan(200_000);
    expect(capped.stdout).toMatch(/\[\.\.\. \d+ characters elided/);
  });

  it("rejects with an InfraError when the program cannot be started", async () => {
    await expect(runProcess("fixpoint-no-such-program", [])).rejects.toBeInstanceOf(InfraError);
  });
});

describe("OutputCollector", () => {
  it("keeps everything when unbounded", () => {
    const c = new OutputCollector(Number.POSITIVE_INFINITY);
    for (let i = 0; i < 100; i++) c.push("y".repeat(100_000));
    expect(c.text().length).toBe(10_000_000);
  });
});

describe("git", () => {
  it("answers with the exit code and never throws for a non-zero exit", async () => {
    const dir = tempDir();
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const ok = await git(["rev-parse", "--is-inside-work-tree"], dir);
    expect(ok).toEqual({ code: 0, stdout: "true\n", stderr: "" });
    const quiet = await git(["rev-parse", "--verify", "--quiet", "nope^{commit}"], dir);
    expect(quiet.code).toBe(1);
    const bad = await git(["cat-file", "-e", "deadbeef^{commit}"], dir);
    expect(bad.code).toBe(128);
    expect(gitErrorLine(bad.stderr)).toMatch(/^fatal: /);
  });

  it("gives code 128 for a folder that does not exist", async () => {
    const r = await git(["status"], join(tempDir(), "missing"));
    expect(r.code).toBe(128);
    expect(r.stderr).toMatch(/cannot change to/);
  });

  it("adds variables, ignores the caller's GIT_DIR, and times out", async () => {
    const dir = tempDir();
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = "/nonexistent/.git";
    try {
      expect(cleanGitEnv().GIT_DIR).toBeUndefined();
      const r = await git(["config", "--get", "fp.x"], dir, {
        env: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "fp.x", GIT_CONFIG_VALUE_0: "from-env" },
      });
      expect(r).toMatchObject({ code: 0, stdout: "from-env\n" });
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
    const slow = await git(["hash-object", "--stdin"], dir, { timeoutMs: 200 });
    expect(slow.code).toBe(124);
  });
});
