/** Unified diffs: which files they touch, a per-file summary, and applying them with fallbacks. */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { UsageError } from "../common/index.js";
import { redactSecrets } from "../log/index.js";
import { firstLine, gitIn, runCommand } from "./run.js";

export interface FileChange {
  path: string;
  /** Set for renames. */
  oldPath?: string;
  status: "added" | "deleted" | "modified" | "renamed";
  additions: number;
  deletions: number;
  binary: boolean;
}

function unquote(p: string): string {
  const s = p.trim();
  if (s.startsWith('"') && s.endsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      return s.slice(1, -1);
    }
  }
  return s;
}

/** `a/src/x.py\t2024-…` → `src/x.py`; `/dev/null` → undefined. */
function diffPath(raw: string): string | undefined {
  const noStamp = raw.split("\t")[0]!;
  const p = unquote(noStamp);
  if (p === "/dev/null") return undefined;
  return p.replace(/^[ab]\//, "");
}

/** Summarizes a unified diff (git-style or plain `diff -u`) per file. */
export function summarizePatch(patch: string): FileChange[] {
  const lines = patch.split("\n");
  const files: FileChange[] = [];
  let cur: (FileChange & { oldSeen?: string | undefined }) | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  const start = (): FileChange => {
    const f: FileChange = { path: "", status: "modified", additions: 0, deletions: 0, binary: false };
    files.push(f);
    return f;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (oldLeft > 0 || newLeft > 0) {
      // Inside a hunk: count by the header's line counts so `--- x` content is not a file header.
      if (line.startsWith("+")) {
        cur!.additions++;
        newLeft--;
      } else if (line.startsWith("-")) {
        cur!.deletions++;
        oldLeft--;
      } else if (line.startsWith("\\")) {
        // "\ No newline at end of file"
      } else {
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const git = /^diff --git (.+)$/.exec(line);
    if (git) {
      cur = start();
      const m = /^("?a\/.+?"?) ("?b\/.+"?)$/.exec(git[1]!);
      if (m) {
        cur.path = diffPath(m[2]!) ?? "";
        const old = diffPath(m[1]!);
        if (old && old !== cur.path) cur.oldPath = old;
      }
      continue;
    }
    if (line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) {
      // A `diff --git` header already opened this file; otherwise (plain `diff -u`) a new file starts.
      if (!cur || cur.oldSeen !== undefined) cur = start();
      const oldP = diffPath(line.slice(4));
      const newP = diffPath(lines[i + 1]!.slice(4));
      cur.oldSeen = oldP ?? "";
      if (!oldP) cur.status = "added";
      else if (!newP) cur.status = "deleted";
      cur.path = newP ?? oldP ?? cur.path;
      if (oldP && newP && oldP !== newP) cur.oldPath = oldP;
      i++;
      continue;
    }
    if (!cur) continue;
    if (line.startsWith("new file mode")) cur.status = "added";
    else if (line.startsWith("deleted file mode")) cur.status = "deleted";
    else if (line.startsWith("rename from ")) {
      cur.oldPath = unquote(line.slice(12));
      cur.status = "renamed";
    } else if (line.startsWith("rename to ")) cur.path = unquote(line.slice(10));
    else if (line.startsWith("Binary files ") || line === "GIT binary patch") cur.binary = true;
    else {
      const h = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
      if (h) {
        oldLeft = h[1] === undefined ? 1 : Number(h[1]);
        newLeft = h[2] === undefined ? 1 : Number(h[2]);
      }
    }
  }
  for (const f of files) {
    if (f.oldPath && f.status === "modified") f.status = "renamed";
    delete (f as { oldSeen?: string }).oldSeen;
  }
  return files.filter((f) => f.path);
}

/** Every path a patch reads or writes (old and new names). */
export function patchedFiles(patch: string): string[] {
  const set = new Set<string>();
  for (const f of summarizePatch(patch)) {
    set.add(f.path);
    if (f.oldPath) set.add(f.oldPath);
  }
  return [...set];
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
  index: string;
  paths: string[];
}

async function snapshot(repoPath: string, paths: string[]): Promise<Snapshot> {
  const files = new Map<string, Buffer | null>();
  for (const p of paths) {
    const abs = join(repoPath, p);
    files.set(p, existsSync(abs) ? await readFile(abs) : null);
  }
  const ls = await gitIn(repoPath, ["ls-files", "-s", "--", ...paths]);
  return { files, index: ls.code === 0 ? ls.stdout : "", paths };
}

/** Puts the touched files and their index entries back as they were before a failed attempt. */
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
  const zero = "0".repeat(40);
  const removals = snap.paths.map((p) => `0 ${zero}\t${p}`).join("\n");
  const info = `${removals}\n${snap.index}`;
  await gitIn(repoPath, ["update-index", "--index-info"], { input: info });
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
  const files = patchedFiles(text);
  assertInside(repoPath, files);
  const file = join(tmpdir(), `fixpoint-patch-${randomBytes(6).toString("hex")}.diff`);
  await writeFile(file, text);
  const attempts: Array<{ method: ApplyMethod; error: string }> = [];
  const snap = await snapshot(repoPath, files);
  const tries: Array<{ method: ApplyMethod; run: () => Promise<{ ok: boolean; err: string }> }> = [
    {
      method: "git-apply",
      run: async () => {
        const r = await gitIn(repoPath, ["apply", "--whitespace=nowarn", file]);
        return { ok: r.code === 0, err: r.stderr };
      },
    },
    {
      method: "git-apply-3way",
      run: async () => {
        const r = await gitIn(repoPath, ["apply", "--3way", "--whitespace=nowarn", file]);
        return { ok: r.code === 0, err: r.stderr };
      },
    },
    {
      method: "git-apply-reject",
      run: async () => {
        const r = await gitIn(repoPath, [
          "apply",
          "--reject",
          "--recount",
          "--ignore-whitespace",
          "--whitespace=nowarn",
          file,
        ]);
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
        const dry = await runCommand("patch", ["--dry-run", ...args], { cwd: repoPath });
        if (dry.code !== 0) return { ok: false, err: dry.stdout + dry.stderr };
        const r = await runCommand("patch", args, { cwd: repoPath });
        return { ok: r.code === 0, err: r.stdout + r.stderr };
      },
    },
  ];
  try {
    for (const t of tries) {
      const { ok, err } = await t.run();
      if (ok) return { method: t.method, files };
      attempts.push({ method: t.method, error: redactSecrets(firstLine(err)) });
      await restore(repoPath, snap);
    }
  } finally {
    await unlink(file).catch(() => {});
  }
  throw new PatchApplyError(attempts);
}
