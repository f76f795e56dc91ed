import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import {
  closeAllSandboxes,
  createLocalSandbox,
  openSandboxCount,
  type Sandbox,
} from "../../src/sandbox/index.js";
import { git, hashTree, makeRepo } from "./helpers.js";

let repo: ReturnType<typeof makeRepo>;
const opened: Sandbox[] = [];

async function open(baseCommit?: string): Promise<Sandbox> {
  const sb = await createLocalSandbox({ repoPath: repo.path, ...(baseCommit ? { baseCommit } : {}) });
  opened.push(sb);
  return sb;
}

beforeAll(() => {
  repo = makeRepo();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(() => {
  rmSync(repo.path, { recursive: true, force: true });
});

describe("LocalSandbox: persistent shell", () => {
  it("keeps cd and exported variables between commands, reports exit codes and stderr", async () => {
    const sb = await open();
    expect(sb.kind).toBe("local");
    const a = await sb.exec("cd src && export GREETING=hello && LOCALVAR=7");
    expect(a.exitCode).toBe(0);
    expect(a.cwd).toBe(join(sb.root, "src"));
    const b = await sb.exec("pwd; echo \"$GREETING $LOCALVAR\"; bash -c 'echo child:$GREETING'");
    expect(b.stdout).toBe(`${join(sb.root, "src")}\nhello 7\nchild:hello\n`);
    const c = await sb.exec("echo oops >&2; exit_code_of() { return 5; }; exit_code_of");
    expect(c.exitCode).toBe(5);
    expect(c.stderr).toBe("oops\n");
    expect(c.stdout).toBe("");
    const d = await sb.exec("printf 'no newline'");
    expect(d.stdout).toBe("no newline");
  });

  it("survives syntax errors and gives commands that read stdin an immediate EOF", async () => {
    const sb = await open();
    const bad = await sb.exec("echo 'unterminated");
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/unexpected EOF|unexpected end of file/);
    const t0 = Date.now();
    const cat = await sb.exec("cat; read line; echo got:$?", { timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(cat.timedOut).toBe(false);
    expect(cat.stdout).toBe("got:1\n");
    const heredoc = await sb.exec("cat <<'EOF'\nline one\nline 'two'\nEOF");
    expect(heredoc.stdout).toBe("line one\nline 'two'\n");
  });

  it("interrupts a command that times out and keeps the shell and its cwd", async () => {
    const sb = await open();
    await sb.exec("cd src && export KEEP=yes");
    const t0 = Date.now();
    const r = await sb.exec("echo started; sleep 1000", { timeoutMs: 2000 });
    const took = Date.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toBe("started\n");
    expect(took).toBeLessThan(4000);
    const next = await sb.exec("pwd; echo $KEEP");
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toBe(`${join(sb.root, "src")}\nyes\n`);
    // The sleep is gone, not left running.
    const ps = await sb.execOnce("ps -eo args | grep -c '^sleep 1000$' || true");
    expect(ps.stdout.trim()).toBe("0");
  });

  it("replaces a shell stuck in a builtin loop, restoring cwd and exports", async () => {
    const sb = await open();
    await sb.exec("cd src && export KEEP=still");
    const r = await sb.exec("while true; do :; done", { timeoutMs: 1000 });
    expect(r.timedOut).toBe(true);
    expect(r.stderr).toContain("a new shell was started");
    const next = await sb.exec("pwd; echo $KEEP");
    expect(next.stdout).toBe(`${join(sb.root, "src")}\nstill\n`);
  });

  it("restarts the shell when a command kills it, with cwd and exports restored", async () => {
    const sb = await open();
    await sb.exec("cd src && export KEEP=1");
    const r = await sb.exec("echo bye; exit 3");
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe("bye\n");
    expect(r.stderr).toContain("the shell exited with code 3");
    const next = await sb.exec("pwd; echo $KEEP");
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toBe(`${join(sb.root, "src")}\n1\n`);
  });

  it("runs with a per-command cwd and env without moving the shell", async () => {
    const sb = await open();
    const r = await sb.exec("pwd; echo $ONLY_HERE", { cwd: "src", env: { ONLY_HERE: "x y" } });
    expect(r.stdout).toBe(`${join(sb.root, "src")}\nx y\n`);
    const after = await sb.exec('pwd; echo "[$ONLY_HERE]"');
    expect(after.stdout).toBe(`${sb.root}\n[]\n`);
  });

  it("execOnce runs apart from the persistent shell, with stdin and a timeout", async () => {
    const sb = await open();
    await sb.exec("cd src");
    const once = await sb.execOnce("cd /; pwd; cat", { stdin: "from stdin" });
    expect(once.stdout).toBe("/\nfrom stdin");
    expect(once.cwd).toBe(sb.root);
    expect((await sb.exec("pwd")).stdout).toBe(`${join(sb.root, "src")}\n`);
    const t0 = Date.now();
    const slow = await sb.execOnce("sleep 1000", { timeoutMs: 1000 });
    expect(slow.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect((await sb.execOnce("exit 4")).exitCode).toBe(4);
  });

  it("bounds huge output, keeping head and tail", async () => {
    const sb = await open();
    const r = await sb.exec("echo FIRST; head -c 30000000 /dev/zero | tr '\\0' 'a'; echo; echo LAST");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.startsWith("FIRST\n")).toBe(true);
    expect(r.stdout.endsWith("LAST\n")).toBe(true);
    expect(r.stdout).toContain("characters elided by the sandbox");
    expect(r.stdout.length).toBeLessThan(3_000_000);
    expect((await sb.exec("echo ok")).stdout).toBe("ok\n");
  });
});

describe("LocalSandbox: checkout, files and diff", () => {
  it("checks out the base commit (resolved to a full sha), not the user's uncommitted changes", async () => {
    writeFileSync(join(repo.path, "README.md"), "# uncommitted edit\n");
    try {
      const sb = await open(repo.first.slice(0, 8));
      expect(sb.baseCommit).toBe(repo.first);
      expect(await sb.readFile("README.md")).toBe("# demo\n");
      expect(existsSync(join(sb.root, "src/util.py"))).toBe(false);
      const head = await open();
      expect(head.baseCommit).toBe(repo.second);
      expect(await head.readFile("src/util.py")).toBe("X = 1\n");
    } finally {
      git(repo.path, "checkout", "--", "README.md");
    }
  });

  it("starts from a base commit that no ref reaches (a dangling commit)", async () => {
    const { path, second } = makeRepo();
    try {
      writeFileSync(join(path, "dangling.txt"), "only here\n");
      git(path, "add", "-A");
      git(path, "commit", "-q", "-m", "dangling");
      const dangling = git(path, "rev-parse", "HEAD").trim();
      git(path, "reset", "-q", "--hard", second);
      const sb = await createLocalSandbox({ repoPath: path, baseCommit: dangling });
      opened.push(sb);
      expect(sb.baseCommit).toBe(dangling);
      expect(await sb.readFile("dangling.txt")).toBe("only here\n");
      expect(await sb.diff()).toBe("");
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });

  it("diff and listChangedFiles include modifications, deletions and new untracked files", async () => {
    const sb = await open();
    await sb.writeFile("src/app.py", "def add(a, b):\n    return a + b\n");
    await sb.writeFile("src/new/module.py", "Y = 2\n");
    await sb.exec("rm src/util.py && mkdir -p build && echo junk > build/out.txt");
    const files = await sb.listChangedFiles();
    expect(files.sort()).toEqual(["src/app.py", "src/new/module.py", "src/util.py"]);
    const patch = await sb.diff();
    expect(patch).toContain("diff --git a/src/app.py b/src/app.py");
    expect(patch).toContain("+    return a + b");
    expect(patch).toContain("new file mode 100644");
    expect(patch).toContain("+Y = 2");
    expect(patch).toContain("deleted file mode");
    expect(patch).not.toContain("build/out.txt");
    // Computing the diff did not stage anything the agent can see.
    expect((await sb.exec("git status --porcelain")).stdout).toContain("?? src/new/");
    expect((await sb.exec("git diff --cached --name-only")).stdout).toBe("");

    // The patch applies to a fresh copy of the base commit.
    const copy = mkdtempSync(join(tmpdir(), "fixpoint-test-apply-"));
    try {
      git(copy, "clone", "-q", repo.path, ".");
      writeFileSync(join(copy, "p.diff"), patch);
      git(copy, "apply", "p.diff");
      expect(git(copy, "status", "--porcelain").split("\n").filter(Boolean).sort()).toEqual([
        " D src/util.py",
        " M src/app.py",
        "?? p.diff",
        "?? src/new/",
      ]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("diff stays against the base commit after commits inside the sandbox", async () => {
    const sb = await open();
    await sb.writeFile("committed.txt", "c\n");
    const c = await sb.exec("git add -A && git commit -qm inside && git log --oneline | wc -l");
    expect(c.exitCode).toBe(0);
    expect(await sb.listChangedFiles()).toEqual(["committed.txt"]);
    expect(await sb.diff()).toContain("+c");
  });

  it("never changes the user's repository (work tree, index, refs, worktrees)", async () => {
    const before = hashTree(repo.path);
    const sb = await open();
    await sb.writeFile("src/app.py", "changed\n");
    await sb.exec(
      "git checkout -qb feature && git add -A && git commit -qm x && git tag t1 && git gc -q --prune=now && git branch -D main -q 2>/dev/null; git remote -v",
    );
    await sb.exec("git push origin HEAD 2>&1 || true");
    await sb.diff();
    await sb.listChangedFiles();
    await sb.close();
    expect(hashTree(repo.path)).toBe(before);
  });

  it("reads and writes files relative to the root, creating folders", async () => {
    const sb = await open();
    await sb.writeFile("a/b/c.txt", "deep\n");
    expect(await sb.readFile(join(sb.root, "a/b/c.txt"))).toBe("deep\n");
    expect((await sb.exec("cat a/b/c.txt")).stdout).toBe("deep\n");
  });

  it("close removes the checkout, is idempotent, and closeAllSandboxes closes what is open", async () => {
    const sb = await open();
    const root = sb.root;
    const pid = Number((await sb.exec("echo $$")).stdout.trim());
    await sb.close();
    await sb.close();
    expect(existsSync(root)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(sb.exec("echo hi")).rejects.toThrow(/closed/);

    const other = await createLocalSandbox({ repoPath: repo.path });
    const n = openSandboxCount();
    expect(n).toBeGreaterThanOrEqual(1);
    await closeAllSandboxes();
    expect(existsSync(other.root)).toBe(false);
    expect(openSandboxCount()).toBe(0);
  });

  it("refuses a missing path, a non-git folder and an unknown base commit with a UsageError", async () => {
    await expect(createLocalSandbox({ repoPath: "/nonexistent/fixpoint-repo" })).rejects.toThrow(UsageError);
    await expect(createLocalSandbox({ repoPath: "/nonexistent/fixpoint-repo" })).rejects.toThrow(
      /\/nonexistent\/fixpoint-repo/,
    );
    const plain = mkdtempSync(join(tmpdir(), "fixpoint-test-plain-"));
    try {
      const err = await createLocalSandbox({ repoPath: plain }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(plain);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
    await expect(createLocalSandbox({ repoPath: repo.path, baseCommit: "deadbeef" })).rejects.toThrow(
      /base commit "deadbeef" not found/,
    );
  });
});
