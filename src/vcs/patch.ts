/** Unified diffs: which files they touch, a per-file summary, and applying them with fallbacks. */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { parsePatch, type StructuredPatch } from "diff";
import { errorMessage, git, gitErrorLine, runProcess, UsageError } from "../common/index.js";
import { redactSecrets } from "../log/index.js";

export interface FileChange {
  path: string;
  /** Set for renames. */
  oldPath?: string;
  status: "added" | "deleted" | "modified" | "renamed";
  additions: number;
  deletions: number;
  binary: boolean;
}

/** `a/src/x.py` → `src/x.py`; `/dev/null` (no file) → undefined. jsdiff has unquoted it and cut off any timestamp. */
function diffPath(name: string | undefined): string | undefined {
  if (name === undefined || name === "/dev/null") return undefined;
  return name.replace(/^[ab]\//, "");
}

/**
 * Hunk headers with their line counts recomputed from the lines that follow, as `git apply
 * --recount` does: models miscount them, and jsdiff refuses a hunk whose count is off.
 */
function recountHunks(patch: string): string {
  const lines = patch.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(lines[i]!);
    if (!h) continue;
    let old = 0;
    let added = 0;
    let blanks = 0;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (/^(@@ |diff |Index: )/.test(l) || (l.startsWith("--- ") && lines[j + 1]?.startsWith("+++ "))) break;
      if (l === "") {
        blanks++; // context, unless only blank lines follow
        continue;
      }
      if (!/^[-+ \\]/.test(l)) break;
      old += blanks;
      added += blanks;
      blanks = 0;
      if (l[0] === "-" || l[0] === " ") old++;
      if (l[0] === "+" || l[0] === " ") added++;
    }
    lines[i] = `@@ -${h[1]},${old} +${h[2]},${added} @@${h[3]}`;
  }
  return lines.join("\n");
}

/**
 * The patch's files as jsdiff reads them (git's and plain `diff -u` output alike). A `git
 * format-patch` mail's signature (`-- ` and git's version) is not part of the diff; a patch
 * whose hunk counts are off is read with them recounted. Throws when it is no unified diff.
 */
function readPatch(patch: string): StructuredPatch[] {
  const text = patch.replace(/\n-- \n[^\n]*\n*$/, "\n");
  try {
    return parsePatch(text);
  } catch {
    return parsePatch(recountHunks(text));
  }
}

/** Which `diff --git` sections, by position, hold a `GIT binary patch` (jsdiff notes only `Binary files … differ`). */
function gitBinarySections(patch: string): Set<number> {
  const out = new Set<number>();
  let section = -1;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) section++;
    else if (line === "GIT binary patch") out.add(section);
  }
  return out;
}

function summarize(entries: StructuredPatch[], binaries: Set<number>): FileChange[] {
  const files: FileChange[] = [];
  let section = -1;
  for (const e of entries) {
    if (e.isGit) section++;
    const oldPath = diffPath(e.oldFileName);
    const newPath = diffPath(e.newFileName);
    const path = newPath ?? oldPath;
    if (!path) continue;
    const f: FileChange = {
      path,
      status: "modified",
      additions: 0,
      deletions: 0,
      binary: Boolean(e.isBinary) || (Boolean(e.isGit) && binaries.has(section)),
    };
    if (e.isCreate || e.oldFileName === "/dev/null") f.status = "added";
    else if (e.isDelete || e.newFileName === "/dev/null") f.status = "deleted";
    else if (e.isRename || (oldPath && newPath && oldPath !== newPath)) {
      f.status = "renamed";
      if (oldPath && oldPath !== path) f.oldPath = oldPath;
    }
    for (const h of e.hunks) {
      for (const l of h.lines) {
        if (l[0] === "+") f.additions++;
        else if (l[0] === "-") f.deletions++;
      }
    }
    files.push(f);
  }
  return files;
}

/** Summarizes a unified diff (git-style or plain `diff -u`) per file; nothing for text that is none. */
export function summarizePatch(patch: string): FileChange[] {
  try {
    return summarize(readPatch(patch), gitBinarySections(patch));
  } catch {
    return [];
  }
}

function pathsOf(changes: FileChange[]): string[] {
  const set = new Set<string>();
  for (const f of changes) {
    set.add(f.path);
    if (f.oldPath) set.add(f.oldPath);
  }
  return [...set];
}

/** Every path a patch reads or writes (old and new names). */
export function patchedFiles(patch: string): string[] {
  return pathsOf(summarizePatch(patch));
}

export type ApplyMethod = "git-apply" | "git-apply-3way" | "git-apply-reject" | "patch-fuzz";

export interface ApplyResult {
  method: ApplyMethod;
  files: string[];
}

/** No method applied the patch; `attempts` holds each method's one-line reason. */
export class PatchApplyError extends UsageError {
  constructor(readonly attempts: Array<{ method: ApplyMethod; error: string }>) {
    super(`patch does not apply: ${attempts.map((a) => `${a.method}: ${a.error}`).join("; ")}`);
  }
}

interface Snapshot {
  files: Map<string, Buffer | null>;
  /** The index file (`git apply --3way` writes it), when the checkout has one. */
  index: { path: string; content: Buffer | null } | null;
}

async function readIfExists(path: string): Promise<Buffer | null> {
  return existsSync(path) ? readFile(path) : null;
}

async function snapshot(repoPath: string, paths: string[]): Promise<Snapshot> {
  const files = new Map<string, Buffer | null>();
  for (const p of paths) files.set(p, await readIfExists(join(repoPath, p)));
  const r = await git(["rev-parse", "--git-path", "index"], repoPath);
  const indexPath = r.code === 0 ? resolve(repoPath, r.stdout.trim()) : null;
  return { files, index: indexPath ? { path: indexPath, content: await readIfExists(indexPath) } : null };
}

/** Puts the touched files and the index back as they were before a failed attempt. */
async function restore(repoPath: string, snap: Snapshot): Promise<void> {
  for (const [p, content] of snap.files) {
    const abs = join(repoPath, p);
    if (content === null) await rm(abs, { force: true });
    else {
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
    }
    await rm(`${abs}.rej`, { force: true });
    await rm(`${abs}.orig`, { force: true });
  }
  if (snap.index?.content) await writeFile(snap.index.path, snap.index.content);
  else if (snap.index) await rm(snap.index.path, { force: true });
}

function assertInside(repoPath: string, paths: string[]): void {
  const root = resolve(repoPath) + sep;
  for (const p of paths) {
    if (!resolve(repoPath, p).startsWith(root))
      throw new UsageError(`patch touches a path outside the repository: ${p}`);
  }
}

/**
 * Applies a unified diff to a working tree, trying in turn: `git apply`, `git apply --3way`
 * (uses the blobs named in `index` lines), `git apply --reject` with recounted hunk headers and
 * whitespace ignored (tolerates the miscounted headers models write), and `patch -p1 --fuzz=3`.
 * A failed attempt is undone before the next, so the tree is never left half-patched.
 */
export async function applyPatch(repoPath: string, patch: string): Promise<ApplyResult> {
  if (!patch.trim()) throw new UsageError("patch is empty");
  const text = patch.endsWith("\n") ? patch : `${patch}\n`;
  let files: string[];
  try {
    // Read strictly: the paths decide what is checked and what a failed attempt restores.
    files = pathsOf(summarize(readPatch(text), gitBinarySections(text)));
  } catch (e) {
    throw new UsageError(`patch cannot be read as a unified diff: ${errorMessage(e)}`);
  }
  assertInside(repoPath, files);
  const file = join(tmpdir(), `fixpoint-patch-${randomBytes(6).toString("hex")}.diff`);
  await writeFile(file, text);
  const attempts: Array<{ method: ApplyMethod; error: string }> = [];
  const snap = await snapshot(repoPath, files);
  const tries: Array<{ method: ApplyMethod; run: () => Promise<{ ok: boolean; err: string }> }> = [
    {
      method: "git-apply",
      run: async () => {
        const r = await git(["apply", "--whitespace=nowarn", file], repoPath);
        return { ok: r.code === 0, err: r.stderr };
      },
    },
    {
      method: "git-apply-3way",
      run: async () => {
        const r = await git(["apply", "--3way", "--whitespace=nowarn", file], repoPath);
        return { ok: r.code === 0, err: r.stderr };
      },
    },
    {
      method: "git-apply-reject",
      run: async () => {
        const r = await git(
          ["apply", "--reject", "--recount", "--ignore-whitespace", "--whitespace=nowarn", file],
          repoPath,
        );
        return { ok: r.code === 0, err: r.stderr };
      },
    },
    {
      method: "patch-fuzz",
      run: async () => {
        const args = [
          "-p1",
          "--fuzz=3",
          "--forward",
          "--batch",
          "--no-backup-if-mismatch",
          "-r",
          "-",
          "-i",
          file,
        ];
        // A dry run first: patch applies hunk by hunk and would otherwise leave partial edits.
        const patchTool = (a: string[]) =>
          runProcess("patch", a, { cwd: repoPath }).catch((e: unknown) => ({
            exitCode: 127,
            stdout: "",
            stderr: errorMessage(e),
          }));
        const dry = await patchTool(["--dry-run", ...args]);
        if (dry.exitCode !== 0) return { ok: false, err: dry.stdout + dry.stderr };
        const r = await patchTool(args);
        return { ok: r.exitCode === 0, err: r.stdout + r.stderr };
      },
    },
  ];
  try {
    for (const t of tries) {
      const { ok, err } = await t.run();
      if (ok) return { method: t.method, files };
      attempts.push({ method: t.method, error: redactSecrets(gitErrorLine(err)) });
      await restore(repoPath, snap);
    }
  } finally {
    await unlink(file).catch(() => {});
  }
  throw new PatchApplyError(attempts);
}
