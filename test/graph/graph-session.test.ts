/**
 * A Docker run's code graph indexes a host copy of the checkout and copies each file the sandbox
 * reports as changed into it (src/agent/graph-session.ts): a reported path that would land
 * outside the copy — absolute, climbing out with `..`, or through a symbolic link of the tree —
 * is refused, and nothing is written there.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { openRunGraph, pathInMirror } from "../../src/agent/graph-session.js";
import type { Sandbox } from "../../src/sandbox/index.js";

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), `fp-${prefix}-`));

beforeEach(() => {
  // The seed lives in the graph cache; the run's own directory in TMPDIR.
  process.env.XDG_CACHE_HOME = temp("session-cache");
  process.env.TMPDIR = temp("session-tmp");
});

describe("the host copy of a Docker run", () => {
  it("pathInMirror: inside paths land inside; absolute, climbing and symlinked ones are refused", async () => {
    const mirror = temp("mirror");
    const outside = temp("outside");
    mkdirSync(join(mirror, "pkg"));
    symlinkSync(outside, join(mirror, "link"));
    writeFileSync(join(mirror, "pkg", "real.py"), "x = 1\n");
    symlinkSync(join(outside, "target.py"), join(mirror, "pkg", "alias.py"));
    expect(await pathInMirror(mirror, "pkg/real.py")).toBe(join(mirror, "pkg", "real.py"));
    expect(await pathInMirror(mirror, "pkg/new/deep.py")).toBe(join(mirror, "pkg", "new", "deep.py"));
    expect(await pathInMirror(mirror, "pkg/../top.py")).toBe(join(mirror, "top.py"));
    for (const bad of [
      "../../etc/x",
      "../x.py",
      "pkg/../../x.py",
      "/etc/passwd",
      "C:\\Windows\\x.py",
      "",
      ".",
      "link/evil.py",
      "pkg/alias.py",
      "a\0b.py",
    ])
      expect(await pathInMirror(mirror, bad), bad).toBeNull();
  });

  it("hooks.update copies and indexes the inside paths and refuses the others, with a warning", async () => {
    const repo = temp("session-repo");
    const outside = temp("session-outside");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
        cwd: repo,
        encoding: "utf8",
      }).trim();
    git("init", "-q", "-b", "main");
    writeFileSync(join(repo, "mod_a.py"), "def alpha():\n    return 1\n");
    symlinkSync(outside, join(repo, "link"));
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    const base = git("rev-parse", "HEAD");
    const read: string[] = [];
    const sandbox = {
      kind: "docker",
      root: "/testbed",
      baseCommit: base,
      readFile: async (p: string) => {
        read.push(p);
        return `def written_from_${read.length}():\n    return 2\n`;
      },
      diff: async () => "",
    } as unknown as Sandbox;
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
    const rg = await openRunGraph({ sandbox, repoPath: repo, problemStatement: "alpha is wrong", log });
    expect(rg).not.toBeNull();
    try {
      const mirror = rg!.graph.root;
      const climbing = join(mirror, "..", "..", "escaped.py");
      await rg!.hooks.update(["../../escaped.py", join(outside, "abs.py"), "link/evil.py", "mod_b.py"]);
      expect(existsSync(climbing)).toBe(false);
      expect(existsSync(join(outside, "abs.py"))).toBe(false);
      expect(existsSync(join(outside, "evil.py"))).toBe(false);
      // Only the inside path was read from the sandbox, copied and indexed.
      expect(read).toEqual(["mod_b.py"]);
      expect(existsSync(join(mirror, "mod_b.py"))).toBe(true);
      expect(rg!.graph.find("written_from_1")[0]).toMatchObject({ path: "mod_b.py", match: "exact" });
      const refused = lines
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === "code graph: a changed path outside the checkout is not copied")
        .map((l) => l.path);
      expect(refused).toEqual(["../../escaped.py", join(outside, "abs.py"), "link/evil.py"]);
    } finally {
      await rg!.close();
    }
  });
});
