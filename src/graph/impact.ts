/**
 * Change impact: from a unified diff (or the working tree's `git diff HEAD`), the symbols whose
 * spans the change touches, and everything depending on them — callers, referrers, importers of
 * their files, subclasses, and overriders of changed methods — flagged where a signature changed.
 */
import { parsePatch, type StructuredPatch } from "diff";
import { errorMessage, gitErrorLine, gitSync, UsageError } from "../common/index.js";
import type { CodeGraph } from "./graph.js";
import {
  danglingUsersIn,
  type FileSymbol,
  fileIdByPath,
  importerIds,
  importLinesOf,
  membersNamed,
  subclassIds,
  symbolsOfPath,
  type UserRow,
  unresolvedImporterIds,
  usersOfSymbol,
} from "./sql.js";

export interface FileChange {
  path: string;
  /** Lines added or modified, in the new file (1-based). */
  addedLines: number[];
  /** Lines removed, in the old file. */
  removedLines: number[];
  deleted: boolean;
  /** The file did not exist before the change (`--- /dev/null`). */
  created: boolean;
  /** The hunks as written: where each starts in the new file, its length there, its marked lines. */
  hunks: Array<{ newStart: number; newCount: number; lines: string[] }>;
}

/**
 * Parses a unified diff (git's or another tool's) into per-file changed line numbers and hunks,
 * with jsdiff: quoted paths, timestamps after the names, "\ No newline at end of file" and
 * removed lines that look like file headers are read as they are meant. Files without a `---`/
 * `+++` header (a mode change, a pure rename, a binary file) have no lines and are left out. A
 * hunk whose lines do not add up to its header is an error that names it.
 */
export function parseUnifiedDiff(diff: string): FileChange[] {
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(diff);
  } catch (err) {
    throw new UsageError(`not a valid unified diff: ${errorMessage(err)}`);
  }
  const out: FileChange[] = [];
  for (const p of patches) {
    if (p.oldHeader === undefined || p.newHeader === undefined) continue;
    const oldPath = p.oldFileName ?? "";
    const newPath = p.newFileName ?? "";
    const deleted = newPath === "/dev/null";
    const change: FileChange = {
      path: deleted ? oldPath.replace(/^a\//, "") : newPath.replace(/^b\//, ""),
      addedLines: [],
      removedLines: [],
      deleted,
      created: oldPath === "/dev/null",
      hunks: [],
    };
    for (const h of p.hunks) {
      // jsdiff moves the start of an empty side to the line after; the header's own number is
      // kept (the line after which the hunk sits), as `textBeforeDiff` reads it.
      const hunk = {
        newStart: h.newLines === 0 ? h.newStart - 1 : h.newStart,
        newCount: h.newLines,
        lines: [] as string[],
      };
      let oldLine = h.oldStart;
      let newLine = h.newStart;
      for (const line of h.lines) {
        const mark = line[0];
        if (mark === "\\") continue; // "\ No newline at end of file"
        // An empty line is a context line whose trailing space was stripped.
        hunk.lines.push(line === "" ? " " : line);
        if (mark === "+") change.addedLines.push(newLine++);
        else if (mark === "-") change.removedLines.push(oldLine++);
        else {
          oldLine++;
          newLine++;
        }
      }
      change.hunks.push(hunk);
    }
    out.push(change);
  }
  return out;
}

/**
 * The file as it was before the change, rebuilt from its text now and the diff's hunks; null
 * when the text does not match what the diff says it became (the diff is of another state).
 */
export function textBeforeDiff(textNow: string, change: FileChange): string | null {
  if (change.created) return "";
  const now = textNow.split("\n");
  const before: string[] = [];
  let at = 0;
  for (const h of change.hunks) {
    // A hunk of no new lines (a pure deletion) starts after line newStart, others at it.
    const start = h.newCount === 0 ? h.newStart : h.newStart - 1;
    if (start < at || start > now.length) return null;
    while (at < start) before.push(now[at++]!);
    for (const l of h.lines) {
      const body = l.slice(1);
      if (l[0] === "-") before.push(body);
      else {
        if (now[at] !== body) return null;
        if (l[0] === " ") before.push(body);
        at++;
      }
    }
  }
  while (at < now.length) before.push(now[at++]!);
  return before.join("\n");
}

export interface ChangedSymbol {
  name: string;
  qualifiedName: string;
  kind: string;
  path: string;
  /** Its line in the new file; for a removed symbol, in the old one. */
  line: number;
  /** `added`: not there before; `removed`: gone (not in the index any more); else `modified`. */
  change: "added" | "modified" | "removed";
  /** Its signature differs from before (a removed symbol counts as changed; an added one does not). */
  signatureChanged: boolean;
}

export interface Dependent {
  relation: "caller" | "referrer" | "importer" | "subclass" | "overrider";
  /** The dependent: a symbol's qualified name, or a file path for importers. */
  name: string;
  path: string;
  line: number;
  /** The changed symbol (qualified name) it depends on. */
  of: string;
  /** The changed symbol's signature changed or it was removed: this dependent likely needs an edit too. */
  flagged: boolean;
}

export interface ImpactResult {
  files: string[];
  changed: ChangedSymbol[];
  dependents: Dependent[];
}

/** The working tree's diff against HEAD (tracked files). */
export function workingTreeDiff(root: string): string {
  const r = gitSync(["diff", "HEAD", "--no-color", "--unified=0"], root);
  if (r.code !== 0) throw new Error(`git diff HEAD failed in ${root}: ${gitErrorLine(r.stderr)}`);
  return r.stdout;
}

/** Lines of the new file where lines were removed (the lines on both sides of the cut). */
function removalAnchors(c: FileChange): number[] {
  const out: number[] = [];
  for (const h of c.hunks) {
    let line = h.newStart;
    for (const l of h.lines) {
      if (l[0] === "-") out.push(line - 1, line);
      else line++;
    }
  }
  return out.filter((l) => l > 0);
}

/**
 * The symbols of the file before the change: its text now, with the diff undone, extracted again.
 * Null when that is not possible (the file cannot be read, or the diff is not of its current state).
 */
async function symbolsBefore(graph: CodeGraph, c: FileChange) {
  if (c.created) return [];
  const now = c.deleted ? "" : await graph.readText(c.path);
  if (now === null) return null;
  const before = textBeforeDiff(now, c);
  if (before === null) return null;
  return (await graph.extractText(c.path, before))?.symbols ?? null;
}

/** A signature without layout: spacing, line breaks and a trailing comma do not change it. */
const normalizeSignature = (s: string) =>
  s
    .replace(/\s+/g, " ")
    .replace(/\s*([()[\]{},:<>=])\s*/g, "$1")
    .replace(/,([)\]}>])/g, "$1")
    .trim();

/** A changed symbol with its row in the index: `id` and `parentId` are null for a removed one. */
export type LocatedChange = ChangedSymbol & { id: number | null; parentId: number | null };

/**
 * The symbols a diff changes: the innermost functions, methods and classes whose spans its lines
 * touch, and the definitions it removed (id null). When the diff is of the index's current state
 * (the working tree's diff, or the agent's), the file before the change is rebuilt and extracted
 * again, and symbols are compared with their old selves: added, removed, or modified with or
 * without a new signature. Otherwise the diff's lines are read against the symbols' spans.
 */
export async function changedSymbols(
  graph: CodeGraph,
  diff: string | FileChange[],
): Promise<LocatedChange[]> {
  const changes = typeof diff === "string" ? parseUnifiedDiff(diff) : diff;
  const changed: LocatedChange[] = [];
  for (const c of changes) {
    const syms: FileSymbol[] = c.deleted ? [] : symbolsOfPath(graph.db, c.path);
    const before = await symbolsBefore(graph, c);
    const lines = [...c.addedLines, ...removalAnchors(c)];
    const touches = (s: { line: number; endLine: number }) =>
      lines.some((l) => l >= s.line && l <= s.endLine);
    const old = new Map<string, string[]>();
    for (const b of before ?? []) {
      const l = old.get(b.qualifiedName) ?? [];
      l.push(normalizeSignature(b.signature));
      old.set(b.qualifiedName, l);
    }
    for (const s of syms) {
      if (!touches(s)) continue;
      // Only the innermost symbols: a class is "changed" only if the change is not inside one of its members.
      const inner = syms.some((o) => o.parentId === s.id && touches(o));
      if (inner && s.kind !== "function" && s.kind !== "method") continue;
      let change: ChangedSymbol["change"] = "modified";
      let signatureChanged: boolean;
      if (before) {
        const sigs = old.get(s.qualifiedName);
        if (!sigs) change = "added";
        signatureChanged = !!sigs && !sigs.includes(normalizeSignature(s.signature));
      } else {
        const sigLines = Math.max(1, s.signature.split("\n").length);
        signatureChanged = c.addedLines.some(
          (l) => l >= s.line && l < s.line + sigLines + headerExtra(s.signature),
        );
      }
      changed.push({
        id: s.id,
        parentId: s.parentId,
        name: s.name,
        qualifiedName: s.qualifiedName,
        kind: s.kind,
        path: c.path,
        line: s.line,
        change,
        signatureChanged,
      });
    }
    // Definitions that are gone: their users now point at nothing.
    const nowNames = new Set(syms.map((s) => s.qualifiedName));
    const gone = new Set<string>();
    for (const b of before ?? []) {
      if (nowNames.has(b.qualifiedName) || gone.has(b.qualifiedName)) continue;
      gone.add(b.qualifiedName);
      changed.push({
        id: null,
        parentId: null,
        name: b.name,
        qualifiedName: b.qualifiedName,
        kind: b.kind,
        path: c.path,
        line: b.line,
        change: "removed",
        signatureChanged: true,
      });
    }
  }
  return changed;
}

/** What a diff changes (see `changedSymbols`), and who depends on it. */
export async function computeImpact(graph: CodeGraph, diff: string, limit = 300): Promise<ImpactResult> {
  const changes = parseUnifiedDiff(diff);
  const changed = await changedSymbols(graph, changes);

  const dependents: Dependent[] = [];
  const seen = new Set<string>();
  const push = (d: Dependent) => {
    const k = `${d.relation}:${d.path}:${d.line}:${d.name}:${d.of}`;
    if (seen.has(k) || dependents.length >= limit) return;
    seen.add(k);
    dependents.push(d);
  };
  // The files whose uses of a removed definition are read: its own file and its importers; for
  // a deleted file, whose importers lost their link to it, those naming its module as written.
  const scopes = new Map<string, number[]>();
  const userFiles = (path: string): number[] => {
    let ids = scopes.get(path);
    if (ids === undefined) {
      const id = fileIdByPath(graph.db, path);
      ids =
        id !== undefined
          ? [id, ...importerIds(graph.db, id)]
          : unresolvedImporterIds(graph.db, `%${moduleStem(path)}%`);
      scopes.set(path, ids);
    }
    return ids;
  };
  for (const c of changed) {
    // Nothing depended on an added symbol before the change.
    if (c.change === "added") continue;
    // Users of a removed definition: edges left pointing at nothing under its name.
    const users: UserRow[] =
      c.id === null ? danglingUsersIn(graph.db, c.name, userFiles(c.path)) : usersOfSymbol(graph.db, c.id);
    for (const r of users) {
      if (c.id === null && r.path === c.path && r.name === c.qualifiedName) continue; // itself, recursively
      const relation = r.kind === "calls" ? "caller" : r.kind === "inherits" ? "subclass" : "referrer";
      push({
        relation,
        name: r.name || r.path,
        path: r.path,
        line: r.line,
        of: c.qualifiedName,
        flagged: c.signatureChanged,
      });
    }
    // Overriders: same-named methods in (transitive) subclasses of the changed method's class.
    if (c.kind === "method" && c.parentId !== null) {
      const queue = [c.parentId];
      const visited = new Set<number>(queue);
      while (queue.length) {
        const cls = queue.shift()!;
        for (const id of subclassIds(graph.db, cls)) {
          if (visited.has(id)) continue;
          visited.add(id);
          queue.push(id);
          for (const m of membersNamed(graph.db, id, c.name)) {
            push({
              relation: "overrider",
              name: m.name,
              path: m.path,
              line: m.line,
              of: c.qualifiedName,
              flagged: c.signatureChanged,
            });
          }
        }
      }
    }
  }
  // Importers of a file whose top-level symbols changed, or any of whose signatures did; flagged
  // only when they use a changed symbol (a flagged dependent in the same file), not for importing
  // something else from the file.
  const existing = changed.filter((c) => c.change !== "added");
  const usingFiles = new Set(dependents.filter((d) => d.flagged).map((d) => d.path));
  for (const f of new Set(
    existing.filter((c) => c.signatureChanged || c.parentId === null).map((c) => c.path),
  )) {
    for (const r of importLinesOf(graph.db, f)) {
      const of = existing
        .filter((c) => c.path === f)
        .map((c) => c.qualifiedName)
        .join(", ");
      push({
        relation: "importer",
        name: r.path,
        path: r.path,
        line: r.line,
        of,
        flagged: usingFiles.has(r.path) && existing.some((c) => c.path === f && c.signatureChanged),
      });
    }
  }
  return {
    files: changes.map((c) => c.path),
    changed: changed.map(({ id: _id, parentId: _p, ...rest }) => rest),
    dependents,
  };
}

/** The impact as text: the changed symbols, then the dependents ("!" where an edit is likely needed). */
export function renderImpact(r: ImpactResult): string {
  const tag = (c: ChangedSymbol) =>
    c.change === "added"
      ? "  [new]"
      : c.change === "removed"
        ? "  [removed]"
        : c.signatureChanged
          ? "  [signature changed]"
          : "";
  return [
    "changed:",
    ...r.changed.map((c) => `  ${c.kind} ${c.qualifiedName}  ${c.path}:${c.line}${tag(c)}`),
    "dependents:",
    ...r.dependents.map(
      (d) => `  ${d.flagged ? "!" : " "} ${d.relation} ${d.name}  ${d.path}:${d.line}  (of ${d.of})`,
    ),
  ].join("\n");
}

/** The name a module is imported by: its file name without extension, or its directory's for an index file. */
function moduleStem(path: string): string {
  const parts = path.split("/");
  const base = (parts.pop() ?? "").replace(/\.[^.]+$/, "");
  return /^(__init__|index|mod|lib)$/.test(base) ? (parts.pop() ?? base) : base;
}

function headerExtra(signature: string): number {
  // Signatures are collapsed to one line; long parameter lists span more source lines.
  return Math.floor(signature.length / 100);
}
