/** Helpers for tests that run fixture tasks: temp repositories, fresh copies, applying patches. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Fixture, loadFixture, materializeFixture, type Task } from "../../src/task/index.js";

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fp-${prefix}-`));
}

export async function fixtureRepo(name: string): Promise<{ fixture: Fixture; task: Task; dir: string }> {
  const fixture = loadFixture(name);
  const dir = tempDir(name);
  const task = await materializeFixture(fixture, dir);
  return { fixture, task, dir };
}

/** Applies `patch` to a fresh copy of the fixture and runs its test command there. */
export async function testsPassWithPatch(
  name: string,
  patch: string,
): Promise<{ exitCode: number; output: string }> {
  const { fixture, dir } = await fixtureRepo(name);
  if (patch.trim()) {
    const patchFile = join(tempDir("patch"), "p.diff");
    writeFileSync(patchFile, patch);
    execFileSync("git", ["apply", patchFile], { cwd: dir });
  }
  const cmd = fixture.task.tests?.command ?? "false";
  const r = spawnSync("bash", ["-c", cmd], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  return { exitCode: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export function writeScript(yaml: string): string {
  const f = join(tempDir("script"), "script.yaml");
  writeFileSync(f, yaml);
  return f;
}

/** `git status --porcelain` and HEAD of a repository, to show it was not touched. */
export function repoState(dir: string): string {
  const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" });
  const status = execFileSync("git", ["status", "--porcelain", "--ignored"], { cwd: dir, encoding: "utf8" });
  return `${head}${status}`;
}
