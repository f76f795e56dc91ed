import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { silentLogger } from "../../src/log/index.js";
import { createLocalSandbox, type Sandbox } from "../../src/sandbox/index.js";
import type { TestRunReport, TestSelection } from "../../src/testing/index.js";
import { newToolState, type ToolContext } from "../../src/tools/index.js";

export const CALC_PY = [
  "def add(a, b):",
  "    return a + b",
  "",
  "",
  "def subtract(a, b):",
  "    result = a - b",
  "    return result",
  "",
  "",
  "class Calculator:",
  "    def multiply(self, a, b):",
  "        return a * b",
  "",
  "    def divide(self, a, b):",
  "        if b == 0:",
  "            raise ZeroDivisionError('b is zero')",
  "        return a / b",
  "",
].join("\n");

export const DEFAULT_FILES: Record<string, string> = {
  "calc.py": CALC_PY,
  "README.md": "# demo\n\nA calculator.\n",
  "src/util.js":
    "export function twice(x) {\n  return x * 2;\n}\n\nexport function thrice(x) {\n  return x * 3;\n}\n",
  "src/deep/nested/leaf.txt": "leaf\n",
  ".gitignore": "ignored/\nnode_modules/\n",
  ".hidden/secret.txt": "hidden\n",
};

/** A git repository in a temporary folder with one commit holding `files`. */
export function makeRepo(files: Record<string, string> = DEFAULT_FILES): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "fixpoint-tools-")));
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
      cwd: dir,
      stdio: "pipe",
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "initial");
  return dir;
}

export interface Harness {
  repo: string;
  sandbox: Sandbox;
  ctx: ToolContext;
  cleanup(): Promise<void>;
}

export async function makeHarness(
  opts: {
    files?: Record<string, string>;
    runTests?: (selection?: TestSelection) => Promise<TestRunReport>;
    ctx?: Partial<ToolContext>;
  } = {},
): Promise<Harness> {
  const repo = makeRepo(opts.files);
  const sandbox = await createLocalSandbox({ repoPath: repo });
  const ctx: ToolContext = {
    sandbox,
    task: { id: "t1", repo: { kind: "local", path: repo }, problemStatement: "fix it", origin: "text" },
    state: newToolState(),
    runTests:
      opts.runTests ??
      (async () => {
        throw new Error("runTests not configured");
      }),
    log: silentLogger,
    commandTimeoutMs: 30_000,
    ...opts.ctx,
  };
  return {
    repo,
    sandbox,
    ctx,
    async cleanup() {
      await sandbox.close();
      rmSync(repo, { recursive: true, force: true });
    },
  };
}
