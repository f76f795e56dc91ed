/** Small real git repositories for the GitHub tests: a bare "remote" seeded with a tiny project. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "test@example.com",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "test@example.com",
    },
  }).trim();
}

export const CALC_PY = `def add(a, b):
    return a - b


def mul(a, b):
    return a * b
`;

export const FIX_PATCH = `diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -1,5 +1,5 @@
 def add(a, b):
-    return a - b
+    return a + b
 
 
 def mul(a, b):
`;

export interface Remote {
  root: string;
  bare: string;
}

/** A bare repository on `main` with calc.py (buggy add) and a README. */
export function makeRemote(
  files: Record<string, string> = { "calc.py": CALC_PY, "README.md": "# calc\n" },
): Remote {
  const root = mkdtempSync(join(tmpdir(), "fixpoint-gh-"));
  const seed = join(root, "seed");
  mkdirSync(seed);
  git(seed, "init", "-q", "-b", "main");
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(seed, p)), { recursive: true });
    writeFileSync(join(seed, p), c);
  }
  git(seed, "add", "-A");
  git(seed, "commit", "-q", "-m", "initial");
  const bare = join(root, "remote.git");
  git(root, "clone", "-q", "--bare", seed, bare);
  return { root, bare };
}

export function cloneOf(remote: Remote, name = "clone"): string {
  const dir = join(remote.root, name);
  git(remote.root, "clone", "-q", remote.bare, dir);
  return dir;
}
