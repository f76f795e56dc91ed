/**
 * Fixture tasks (`evals/fixtures/<name>/`): a small real repository (`repo/`), its issue
 * (`issue.md`), its tests (`task.yaml`), the reference fix (`gold.patch`) and a scripted model
 * that solves it through the tools (`solve.yaml`). Materializing one makes a real git repository.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleGit } from "simple-git";
import YAML from "yaml";
import { z } from "zod";
import { describeZodError, UsageError } from "../common/index.js";
import type { Task } from "./types.js";

export const BUILTIN_FIXTURES_DIR = fileURLToPath(new URL("../../evals/fixtures/", import.meta.url));

const FixtureMeta = z.object({
  id: z.string().min(1),
  language: z.string().min(1),
  test_command: z.string().min(1),
  fail_to_pass: z.array(z.string()).default([]),
  pass_to_pass: z.array(z.string()).default([]),
});

export interface Fixture {
  name: string;
  dir: string;
  language: string;
  task: Omit<Task, "repo">;
  goldPatch: string;
  scriptPath: string;
}

export function listFixtures(root = BUILTIN_FIXTURES_DIR): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "task.yaml")))
    .map((d) => d.name)
    .sort();
}

export function loadFixture(nameOrDir: string, root = BUILTIN_FIXTURES_DIR): Fixture {
  const dir = existsSync(join(nameOrDir, "task.yaml")) ? resolve(nameOrDir) : join(root, nameOrDir);
  if (!existsSync(join(dir, "task.yaml"))) {
    throw new UsageError(`fixture ${nameOrDir} not found (known: ${listFixtures(root).join(", ")})`);
  }
  const parsed = FixtureMeta.safeParse(YAML.parse(readFileSync(join(dir, "task.yaml"), "utf8")));
  if (!parsed.success) throw new UsageError(describeZodError(`${dir}/task.yaml`, parsed.error.issues));
  const meta = parsed.data;
  return {
    name: meta.id,
    dir,
    language: meta.language,
    task: {
      id: meta.id,
      problemStatement: readFileSync(join(dir, "issue.md"), "utf8").trim(),
      tests: { failToPass: meta.fail_to_pass, passToPass: meta.pass_to_pass, command: meta.test_command },
      origin: join(dir, "issue.md"),
    },
    goldPatch: readFileSync(join(dir, "gold.patch"), "utf8"),
    scriptPath: join(dir, "solve.yaml"),
  };
}

/**
 * Copies the fixture's repository into `dest` and commits it (fixed author and date, so the
 * base commit is the same on every machine). Returns the task pointing at the new repository.
 */
export async function materializeFixture(fixture: Fixture, dest: string): Promise<Task> {
  mkdirSync(dest, { recursive: true });
  cpSync(join(fixture.dir, "repo"), dest, { recursive: true });
  const date = "2025-01-01T00:00:00Z";
  // Only what git needs: simple-git refuses to pass on variables such as EDITOR.
  const git = simpleGit(dest).env({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? dest,
    GIT_AUTHOR_NAME: "fixpoint fixtures",
    GIT_AUTHOR_EMAIL: "fixtures@fixpoint.invalid",
    GIT_COMMITTER_NAME: "fixpoint fixtures",
    GIT_COMMITTER_EMAIL: "fixtures@fixpoint.invalid",
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
  await git.init(["--initial-branch=main"]);
  await git.add(["-A"]);
  await git.commit(`${fixture.name}: initial import`, undefined, { "--no-gpg-sign": null });
  const baseCommit = (await git.revparse(["HEAD"])).trim();
  return { ...fixture.task, repo: { kind: "local", path: dest }, baseCommit };
}
