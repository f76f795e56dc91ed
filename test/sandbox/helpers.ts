import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_DIR: undefined,
  GIT_WORK_TREE: undefined,
  GIT_INDEX_FILE: undefined,
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" });
}

/** A real git repository in a temp dir with two commits; returns its path and commit ids. */
export function makeRepo(files: Record<string, string> = {}): {
  path: string;
  first: string;
  second: string;
} {
  const path = mkdtempSync(join(tmpdir(), "fixpoint-test-repo-"));
  git(path, "init", "-q", "-b", "main");
  const write = (rel: string, content: string) => {
    mkdirSync(dirname(join(path, rel)), { recursive: true });
    writeFileSync(join(path, rel), content);
  };
  write("README.md", "# demo\n");
  write("src/app.py", "def add(a, b):\n    return a - b\n");
  write(".gitignore", "build/\n");
  for (const [k, v] of Object.entries(files)) write(k, v);
  git(path, "add", "-A");
  git(path, "commit", "-q", "-m", "first");
  const first = git(path, "rev-parse", "HEAD").trim();
  write("src/util.py", "X = 1\n");
  git(path, "add", "-A");
  git(path, "commit", "-q", "-m", "second");
  const second = git(path, "rev-parse", "HEAD").trim();
  return { path, first, second };
}

/** A hash of every file under a directory (names, modes, contents, symlink targets), .git included. */
export function hashTree(root: string): string {
  const h = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      h.update(`${p.slice(root.length)}\0${st.mode}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
      h.update(`\0${st.mtimeMs}\0`);
    }
  };
  walk(root);
  return h.digest("hex");
}
