/**
 * Which files make up a repository, and reading them. A `FileSource` lists and reads files by
 * repository-relative path; the local one uses `git ls-files` (tracked + untracked, not ignored)
 * when the root is a git work tree, else a directory walk honouring .gitignore basics. Symlinks
 * whose target leaves the root are never followed. A sandbox can provide its own FileSource.
 */

import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { gitSync } from "../common/index.js";
import { languageForPath } from "./languages.js";

export interface FileEntry {
  /** Relative to the root, "/" separated. */
  path: string;
  size: number;
  mtimeMs: number;
}

export interface FileSource {
  root: string;
  /** Candidate source files (already filtered to supported languages). */
  list(): Promise<{ files: FileEntry[]; symlinksSkipped: number }>;
  /** Stat one path; null when missing or not a regular file inside the root. */
  stat(path: string): Promise<FileEntry | null>;
  read(path: string): Promise<Buffer>;
}

const ALWAYS_SKIPPED_DIRS = new Set([".git", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox"]);

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

/** Minimal .gitignore: names, globs with * and ?, leading "/" anchors, trailing "/" for dirs, "!" negation. */
export function gitignoreMatcher(text: string): (path: string, isDir: boolean) => boolean {
  const rules: Array<{ re: RegExp; negate: boolean; dirOnly: boolean }> = [];
  for (let line of text.split(/\r?\n/)) {
    line = line.trim();
    if (!line || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.slice(0, -1);
    const anchored = line.startsWith("/") || line.includes("/");
    line = line.replace(/^\//, "");
    const body = line
      .split("**")
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]"),
      )
      .join(".*");
    rules.push({ re: new RegExp(anchored ? `^${body}(/.*)?$` : `(^|/)${body}(/.*)?$`), negate, dirOnly });
  }
  return (path, isDir) => {
    let ignored = false;
    for (const r of rules) {
      if (r.dirOnly && !isDir && !r.re.test(path.split("/").slice(0, -1).join("/"))) continue;
      if (r.re.test(path)) ignored = !r.negate;
    }
    return ignored;
  };
}

function isInside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(`..${sep}`) && !rel.startsWith("/"));
}

export function localFileSource(rootDir: string): FileSource {
  const root = realpathSync(rootDir);

  function entryFor(rel: string): { entry: FileEntry | null; symlinkEscaped: boolean } {
    const abs = join(root, rel);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(abs);
    } catch {
      return { entry: null, symlinkEscaped: false };
    }
    if (st.isSymbolicLink()) {
      try {
        const real = realpathSync(abs);
        if (!isInside(root, real)) return { entry: null, symlinkEscaped: true };
        st = statSync(real);
      } catch {
        return { entry: null, symlinkEscaped: false };
      }
    }
    if (!st.isFile()) return { entry: null, symlinkEscaped: false };
    return { entry: { path: rel, size: st.size, mtimeMs: Math.floor(st.mtimeMs) }, symlinkEscaped: false };
  }

  function gitList(): string[] | null {
    try {
      const top = gitSync(["rev-parse", "--show-toplevel"], root);
      if (top.code !== 0) return null; // not a repository: walk it
      if (realpathSync(top.stdout.trim()) !== root) return null; // a subdirectory of a repo: walk it instead
      const out = gitSync(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root, {
        maxBuffer: 512 * 1024 * 1024,
      });
      if (out.code !== 0) return null;
      return [...new Set(out.stdout.split("\0").filter(Boolean))];
    } catch {
      return null;
    }
  }

  function walk(): string[] {
    const out: string[] = [];
    let ignore: (p: string, d: boolean) => boolean = () => false;
    try {
      ignore = gitignoreMatcher(readFileSync(join(root, ".gitignore"), "utf8"));
    } catch {
      // no .gitignore
    }
    const stack = [""];
    while (stack.length) {
      const dir = stack.pop()!;
      let names: import("node:fs").Dirent[];
      try {
        names = readdirSync(join(root, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const d of names) {
        const rel = dir ? `${dir}/${d.name}` : d.name;
        if (d.isDirectory()) {
          if (!ALWAYS_SKIPPED_DIRS.has(d.name) && !ignore(rel, true)) stack.push(rel);
        } else if ((d.isFile() || d.isSymbolicLink()) && !ignore(rel, false)) {
          out.push(rel); // symlinked directories are never descended into
        }
      }
    }
    return out;
  }

  return {
    root,
    async list() {
      const paths = (gitList() ?? walk()).filter((p) => languageForPath(p) !== null);
      const files: FileEntry[] = [];
      let symlinksSkipped = 0;
      for (const p of paths) {
        const rel = toPosix(p);
        const { entry, symlinkEscaped } = entryFor(rel);
        if (symlinkEscaped) symlinksSkipped++;
        if (entry) files.push(entry);
      }
      files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { files, symlinksSkipped };
    },
    async stat(path) {
      if (path.split("/").includes("..")) return null;
      return entryFor(path).entry;
    },
    async read(path) {
      const abs = join(root, path);
      const real = realpathSync(abs);
      if (!isInside(root, real)) throw new Error(`${path} leaves the repository`);
      return readFileSync(real);
    },
  };
}

/** A NUL byte in the first 8 KiB marks a file as binary (git's heuristic). */
export function looksBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8", { fatal: false });

/** Decodes UTF-8; invalid sequences become U+FFFD and are reported. */
export function decodeUtf8(buf: Buffer): { text: string; invalid: boolean } {
  try {
    return { text: strictUtf8.decode(buf), invalid: false };
  } catch {
    return { text: lenientUtf8.decode(buf), invalid: true };
  }
}
