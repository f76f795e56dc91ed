/**
 * Tasks from the command line: `--issue` as a file (text or markdown) or as literal text, and
 * `--repo` as a local git checkout. GitHub references are handled in `github.ts`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { simpleGit } from "simple-git";
import { UsageError } from "../common/index.js";
import type { RepoSource, Task, TaskTests } from "./types.js";

/** Resolves `--repo`: an existing git work tree (or a clone URL, cloned later by the caller). */
export async function resolveRepo(repo: string | undefined): Promise<RepoSource> {
  if (!repo?.trim()) throw new UsageError("--repo is required: a path to a git checkout or a clone URL");
  if (/^(https?:\/\/|git@|ssh:\/\/|file:\/\/)/.test(repo)) return { kind: "url", url: repo };
  const path = resolve(repo);
  if (!existsSync(path)) throw new UsageError(`--repo: ${repo} does not exist`);
  if (!statSync(path).isDirectory()) throw new UsageError(`--repo: ${repo} is not a directory`);
  let isRepo = false;
  try {
    isRepo = await simpleGit(path).checkIsRepo();
  } catch {
    isRepo = false;
  }
  if (!isRepo)
    throw new UsageError(`--repo: ${repo} is not a git repository (run git init, or pass a clone URL)`);
  const top = (await simpleGit(path).revparse(["--show-toplevel"])).trim();
  const hasHead = await simpleGit(top)
    .revparse(["--verify", "HEAD"])
    .then(() => true)
    .catch(() => false);
  if (!hasHead) throw new UsageError(`--repo: ${repo} has no commits yet`);
  return { kind: "local", path: top };
}

/** Reads `--issue`: a path to a file when one exists there, else the text itself. */
export function readIssueText(issue: string | undefined): { text: string; origin: string } {
  if (issue === undefined)
    throw new UsageError("--issue is required: a file, a GitHub issue reference, or the text");
  const looksLikePath = issue.length < 4096 && !issue.includes("\n");
  if (looksLikePath && existsSync(issue) && statSync(issue).isFile()) {
    const text = readFileSync(issue, "utf8");
    if (!text.trim()) throw new UsageError(`--issue: the file ${issue} is empty`);
    return { text: text.trim(), origin: resolve(issue) };
  }
  if (looksLikePath && /\.(md|txt|markdown)$/i.test(issue)) {
    throw new UsageError(`--issue: the file ${issue} does not exist`);
  }
  if (!issue.trim())
    throw new UsageError("--issue is empty: give a file, a GitHub issue reference, or the text");
  return { text: issue.trim(), origin: "text" };
}

export interface LocalTaskOptions {
  repo: RepoSource;
  issue: { text: string; origin: string };
  baseCommit?: string;
  tests?: TaskTests;
  id?: string;
}

export function makeLocalTask(opts: LocalTaskOptions): Task {
  const repoLabel =
    opts.repo.kind === "local"
      ? basename(opts.repo.path)
      : opts.repo.kind === "url"
        ? opts.repo.url
            .replace(/\.git$/, "")
            .split(/[/:]/)
            .pop()
        : basename(opts.repo.gitDir);
  const id = opts.id ?? `${repoLabel}-${slug(opts.issue.text)}`;
  return {
    id,
    repo: opts.repo,
    ...(opts.baseCommit ? { baseCommit: opts.baseCommit } : {}),
    problemStatement: opts.issue.text,
    ...(opts.tests ? { tests: opts.tests } : {}),
    origin: opts.issue.origin,
  };
}

function slug(text: string): string {
  const firstLine = text.split("\n").find((l) => l.trim()) ?? "task";
  return (
    firstLine
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40) || "task"
  );
}
