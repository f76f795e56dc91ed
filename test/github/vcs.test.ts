import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InfraError, UsageError } from "../../src/common/index.js";
import {
  applyPatch,
  cloneOrReuse,
  createBranchWithPatch,
  currentRemote,
  defaultBranch,
  gitAuthEnv,
  PatchApplyError,
  parseRemoteUrl,
  pushBranch,
  summarizePatch,
} from "../../src/vcs/index.js";
import { CALC_PY, cloneOf, FIX_PATCH, git, makeRemote } from "./git-fixtures.js";

describe("parseRemoteUrl", () => {
  it.each([
    ["https://github.com/octo/hello.git", "github.com", "octo", "hello"],
    ["https://github.com/octo/hello", "github.com", "octo", "hello"],
    ["https://user:secret@ghe.example.com/octo/hello.git/", "ghe.example.com", "octo", "hello"],
    ["http://127.0.0.1:8080/octo/hello.git", "127.0.0.1", "octo", "hello"],
    ["git@github.com:octo/hello.git", "github.com", "octo", "hello"],
    ["ssh://git@github.com:22/octo/hello.git", "github.com", "octo", "hello"],
    ["git://github.com/octo/hello", "github.com", "octo", "hello"],
  ])("%s", (url, host, owner, repo) => {
    const r = parseRemoteUrl(url);
    expect(r).toMatchObject({ host, owner, repo });
    expect(r?.url).not.toContain("secret");
  });

  it("gives undefined for local paths", () => {
    expect(parseRemoteUrl("/srv/git/hello.git")).toBeUndefined();
    expect(parseRemoteUrl("C:\\repos\\x")).toBeUndefined();
    expect(parseRemoteUrl("file:///srv/git/hello.git")).toBeUndefined();
  });
});

describe("summarizePatch", () => {
  it("counts lines per file and reads adds, deletes and renames", () => {
    const patch = `${FIX_PATCH}diff --git a/new.txt b/new.txt
new file mode 100644
--- /dev/null
+++ b/new.txt
@@ -0,0 +1,2 @@
+--- not a header
+two
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-gone
diff --git a/a.txt b/b.txt
similarity index 100%
rename from a.txt
rename to b.txt
`;
    expect(summarizePatch(patch)).toEqual([
      { path: "calc.py", status: "modified", additions: 1, deletions: 1, binary: false },
      { path: "new.txt", status: "added", additions: 2, deletions: 0, binary: false },
      { path: "old.txt", status: "deleted", additions: 0, deletions: 1, binary: false },
      { path: "b.txt", oldPath: "a.txt", status: "renamed", additions: 0, deletions: 0, binary: false },
    ]);
  });

  it("reads plain diff -u output", () => {
    const patch =
      "--- a/x.py\t2024-01-01\n+++ b/x.py\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n--- a/y.py\n+++ b/y.py\n@@ -1 +1,2 @@\n c\n+d\n";
    expect(summarizePatch(patch).map((f) => [f.path, f.additions, f.deletions])).toEqual([
      ["x.py", 1, 1],
      ["y.py", 1, 0],
    ]);
  });
});

describe("summarizePatch: what git writes", () => {
  /** `git diff --cached --binary` of the changes `change` makes in a fresh clone. */
  function gitPatch(change: (dir: string) => void): string {
    const dir = cloneOf(makeRemote(), "author");
    change(dir);
    git(dir, "add", "-A");
    // Not trimmed: a binary patch ends with an empty line.
    return execFileSync("git", ["diff", "--cached", "--binary"], { cwd: dir, encoding: "utf8" });
  }

  it("reads quoted paths (tabs, quotes, non-ASCII as octal escapes) and applies them", async () => {
    const names = ["dir/tab\there.txt", 'q"uote.txt', "späce ü.txt"];
    const patch = gitPatch((dir) => {
      mkdirSync(join(dir, "dir"));
      for (const n of names) writeFileSync(join(dir, n), `${n}\n`);
    });
    expect(patch).toContain('"b/dir/tab\\there.txt"');
    expect(patch).toMatch(/\\303\\274/);
    const files = summarizePatch(patch);
    expect(files.map((f) => [f.path, f.status, f.additions])).toEqual(
      [...names]
        .sort()
        .map((n) => [n, "added", 1])
        .sort(),
    );
    const dir = cloneOf(makeRemote());
    const r = await applyPatch(dir, patch);
    expect(r.method).toBe("git-apply");
    expect([...r.files].sort()).toEqual([...names].sort());
    for (const n of names) expect(readFileSync(join(dir, n), "utf8")).toBe(`${n}\n`);
  });

  it("marks binary files and applies a binary patch through git apply", async () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
    const patch = gitPatch((dir) => {
      writeFileSync(join(dir, "logo.bin"), bytes);
      writeFileSync(join(dir, "README.md"), "# calc\nmore\n");
    });
    expect(patch).toContain("GIT binary patch");
    expect(summarizePatch(patch)).toEqual([
      { path: "README.md", status: "modified", additions: 1, deletions: 0, binary: false },
      { path: "logo.bin", status: "added", additions: 0, deletions: 0, binary: true },
    ]);
    const dir = cloneOf(makeRemote());
    const r = await applyPatch(dir, patch);
    expect(r).toEqual({ method: "git-apply", files: ["README.md", "logo.bin"] });
    expect(readFileSync(join(dir, "logo.bin")).equals(bytes)).toBe(true);
  });

  it("reads `Binary files … differ`, renames with edits, and a format-patch mail", () => {
    const patch = `From 1234 Mon Sep 17 00:00:00 2001
From: T <t@example.com>
Subject: [PATCH] x

---
 calc.py | 2 +-

diff --git a/img.png b/img.png
index 1111111..2222222 100644
Binary files a/img.png and b/img.png differ
diff --git a/old name.py b/new name.py
similarity index 80%
rename from old name.py
rename to new name.py
index 3333333..4444444 100644
--- a/old name.py
+++ b/new name.py
@@ -1,2 +1,2 @@
 keep
-was
+now
-- 
2.39.2
`;
    expect(summarizePatch(patch)).toEqual([
      { path: "img.png", status: "modified", additions: 0, deletions: 0, binary: true },
      {
        path: "new name.py",
        oldPath: "old name.py",
        status: "renamed",
        additions: 1,
        deletions: 1,
        binary: false,
      },
    ]);
  });

  it("counts the lines of a hunk whose header is miscounted", () => {
    const bad = FIX_PATCH.replace("@@ -1,5 +1,5 @@", "@@ -1,7 +1,9 @@");
    expect(summarizePatch(bad)).toEqual([
      { path: "calc.py", status: "modified", additions: 1, deletions: 1, binary: false },
    ]);
    expect(summarizePatch("no diff here\n")).toEqual([]);
  });
});

describe("applyPatch", () => {
  it("applies a clean patch with git apply", async () => {
    const dir = cloneOf(makeRemote());
    const r = await applyPatch(dir, FIX_PATCH);
    expect(r).toEqual({ method: "git-apply", files: ["calc.py"] });
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toContain("return a + b");
  });

  it("falls back when hunk headers are miscounted (as models write them)", async () => {
    const dir = cloneOf(makeRemote());
    const bad = FIX_PATCH.replace("@@ -1,5 +1,5 @@", "@@ -1,7 +1,9 @@");
    const r = await applyPatch(dir, bad);
    expect(["git-apply-reject", "patch-fuzz"]).toContain(r.method);
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toContain("return a + b");
  });

  it("falls back to patch --fuzz when context lines drifted", async () => {
    const dir = cloneOf(makeRemote());
    writeFileSync(join(dir, "calc.py"), CALC_PY.replace("def mul(a, b):", "def mul(a, b):  # multiply"));
    const r = await applyPatch(dir, FIX_PATCH);
    expect(r.method).toBe("patch-fuzz");
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toContain("return a + b");
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toContain("# multiply");
  });

  it("fails with every method's reason and leaves the tree as it was", async () => {
    const dir = cloneOf(makeRemote());
    const before = readFileSync(join(dir, "calc.py"), "utf8");
    const wrong = FIX_PATCH.replace("-    return a - b", "-    return nothing_like_this").replace(
      " def add(a, b):",
      " def sub(x, y):",
    );
    const err = await applyPatch(dir, wrong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchApplyError);
    expect((err as PatchApplyError).attempts.map((a) => a.method)).toEqual([
      "git-apply",
      "git-apply-3way",
      "git-apply-reject",
      "patch-fuzz",
    ]);
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toBe(before);
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  it("undoes a --3way attempt that left conflicts in the index", async () => {
    const remote = makeRemote();
    const author = cloneOf(remote, "author");
    writeFileSync(join(author, "calc.py"), CALC_PY.replace("a - b", "a + b"));
    const patch = execFileSync("git", ["diff"], { cwd: author, encoding: "utf8" });
    expect(patch).toMatch(/^index [0-9a-f]+\.\.[0-9a-f]+/m);
    const dir = cloneOf(remote);
    writeFileSync(join(dir, "calc.py"), CALC_PY.replace("a - b", "a * 1 - b"));
    git(dir, "commit", "-q", "-am", "conflicting");
    const err = await applyPatch(dir, patch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PatchApplyError);
    expect((err as PatchApplyError).attempts[1]?.method).toBe("git-apply-3way");
    expect(git(dir, "ls-files", "-u")).toBe("");
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  it("refuses an empty patch and paths outside the checkout", async () => {
    const dir = cloneOf(makeRemote());
    await expect(applyPatch(dir, "  \n")).rejects.toThrow(UsageError);
    const evil = FIX_PATCH.replaceAll("a/calc.py", "a/../evil.py").replaceAll("b/calc.py", "b/../evil.py");
    await expect(applyPatch(dir, evil)).rejects.toThrow(/outside the repository/);
  });
});

describe("clone, branch, push", () => {
  it("clones at the default branch, then fetches and resets a clean clone", async () => {
    const remote = makeRemote();
    const dir = join(remote.root, "work");
    const first = await cloneOrReuse(remote.bare, dir);
    expect(first).toMatchObject({ branch: "main", reused: false });
    expect(await defaultBranch(dir)).toBe("main");

    const other = cloneOf(remote, "other");
    writeFileSync(join(other, "README.md"), "# calc, updated\n");
    git(other, "commit", "-q", "-am", "update readme");
    git(other, "push", "-q", "origin", "main");

    const second = await cloneOrReuse(remote.bare, dir);
    expect(second.reused).toBe(true);
    expect(second.head).toBe(git(other, "rev-parse", "HEAD"));
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("updated");

    writeFileSync(join(dir, "calc.py"), "dirty\n");
    await expect(cloneOrReuse(remote.bare, dir)).rejects.toThrow(/uncommitted changes/);
    await expect(cloneOrReuse(makeRemote().bare, dir)).rejects.toThrow(/is a clone of/);
  });

  it("commits a patch onto a branch without touching the clone's working tree, and pushes it", async () => {
    const remote = makeRemote();
    const dir = cloneOf(remote);
    writeFileSync(join(dir, "notes.txt"), "local work in progress\n");
    const res = await createBranchWithPatch(dir, {
      branch: "fixpoint/issue-7",
      patch: FIX_PATCH,
      message: "Fix #7: add subtracts",
      author: { name: "fixpoint", email: "fixpoint@example.com" },
    });
    expect(res.method).toBe("git-apply");
    expect(git(dir, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toBe(CALC_PY);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toContain("local work");
    expect(git(dir, "log", "-1", "--format=%an <%ae>|%s", "fixpoint/issue-7")).toBe(
      "fixpoint <fixpoint@example.com>|Fix #7: add subtracts",
    );
    expect(git(dir, "worktree", "list").split("\n")).toHaveLength(1);

    await pushBranch(dir, { branch: "fixpoint/issue-7" });
    expect(git(remote.bare, "show", "fixpoint/issue-7:calc.py")).toContain("return a + b");

    // A second run rebuilds the branch from the base: a plain push is refused, a forced one replaces it.
    await createBranchWithPatch(dir, {
      branch: "fixpoint/issue-7",
      patch: FIX_PATCH.replace("return a + b", "return b + a"),
      message: "Fix #7 again",
      author: { name: "fixpoint", email: "fixpoint@example.com" },
    });
    await expect(pushBranch(dir, { branch: "fixpoint/issue-7" })).rejects.toThrow(UsageError);
    await pushBranch(dir, { branch: "fixpoint/issue-7", force: true });
    expect(git(remote.bare, "show", "fixpoint/issue-7:calc.py")).toContain("return b + a");
  });

  it("rejects bad branch names and missing remotes", async () => {
    const dir = cloneOf(makeRemote());
    await expect(
      createBranchWithPatch(dir, {
        branch: "--force",
        patch: FIX_PATCH,
        message: "m",
        author: { name: "a", email: "b" },
      }),
    ).rejects.toThrow(/not a valid branch name/);
    await expect(pushBranch(dir, { remote: "nope", branch: "main" })).rejects.toThrow(/no "nope" remote/);
    await expect(currentRemote(dir)).rejects.toThrow(/not a HOST\/OWNER\/REPO URL/);
    git(dir, "remote", "set-url", "origin", "git@github.com:octo/hello.git");
    expect(await currentRemote(dir)).toMatchObject({ host: "github.com", owner: "octo", repo: "hello" });
  });
});

describe("token over HTTPS", () => {
  const token = "ghs_cloneTokenValue1234567890";
  let server: Server | undefined;
  afterAll(() => server?.close());

  it("sends the token as a header, clones through it, and never stores it", async () => {
    const remote = makeRemote();
    git(remote.bare, "update-server-info");
    const seen: string[] = [];
    const expected = `basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
    // git's "dumb HTTP" protocol: static files of a bare repository, here behind a token check.
    server = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? ""));
      if (String(req.headers.authorization ?? "").toLowerCase() !== expected.toLowerCase()) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="git"' });
        return res.end();
      }
      const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(
        /^\/o\/r\.git/,
        "",
      );
      try {
        res.writeHead(200);
        res.end(readFileSync(join(remote.bare, path)));
      } catch {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/o/r.git`;

    const denied = await cloneOrReuse(url, join(remote.root, "denied")).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(Error);
    expect(denied instanceof UsageError || denied instanceof InfraError).toBe(true);

    const dir = join(remote.root, "viahttp");
    const res = await cloneOrReuse(url, dir, { token });
    expect(res.branch).toBe("main");
    expect(readFileSync(join(dir, "calc.py"), "utf8")).toBe(CALC_PY);
    expect(seen.filter((h) => h.toLowerCase() === expected.toLowerCase()).length).toBeGreaterThan(0);
    const config = readFileSync(join(dir, ".git", "config"), "utf8");
    expect(config).not.toContain(token);
    expect(config).not.toContain(Buffer.from(`x-access-token:${token}`).toString("base64"));
    expect(git(dir, "remote", "get-url", "origin")).toBe(url);
    // Reuse goes through the same header.
    expect((await cloneOrReuse(url, dir, { token })).reused).toBe(true);
  });

  it("adds no header for non-HTTP remotes", () => {
    expect(gitAuthEnv(token, "/srv/git/x.git")).toEqual({});
    expect(gitAuthEnv(undefined, "https://github.com/o/r")).toEqual({});
    const env = gitAuthEnv(token, "https://github.com/o/r.git");
    expect(Object.values(env).join("\n")).not.toContain(token);
    expect(Object.values(env)).toContain("http.https://github.com/.extraheader");
  });
});
