/**
 * Change impact: from a unified diff (or the working tree's `git diff HEAD`), the symbols whose
 * spans the change touches, and everything depending on them — callers, referrers, importers of
 * their files, subclasses, and overriders of changed methods — flagged where a signature changed.
 */
import { execFileSync } from "node:child_process";
import type { CodeGraph, OutlineEntry } from "./graph.js";

export interface FileChange {
  path: string;
  /** Lines added or modified, in the new file (1-based). */
  addedLines: number[];
  /** Lines removed, in the old file. */
  removedLines: number[];
  deleted: boolean;
}

/** Parses a unified diff into per-file changed line numbers. */
export function parseUnifiedDiff(diff: string): FileChange[] {
  const out: FileChange[] = [];
  let cur: FileChange | null = null;
  let oldLine = 0;
  let newLine = 0;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      cur = null;
      continue;
    }
    if (line.startsWith("--- ")) {
      cur = { path: "", addedLines: [], removedLines: [], deleted: false };
      continue;
    }
    if (line.startsWith("+++ ") && cur) {
      const p = line.slice(4).trim();
      if (p === "/dev/null") cur.deleted = true;
      cur.path = p.replace(/^b\//, "");
      out.push(cur);
      continue;
    }
    const h = line.match(/^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/);
    if (h) {
      oldLine = Number(h[1]);
      newLine = Number(h[2]);
      continue;
    }
    if (!cur) continue;
    if (line.startsWith("+")) cur.addedLines.push(newLine++);
    else if (line.startsWith("-")) cur.removedLines.push(oldLine++);
    else if (line.startsWith(" ")) {
      oldLine++;
      newLine++;
    }
  }
  // A deleted file's path comes from the "---" side.
  const re = /^--- a\/(.+)$\n^\+\+\+ \/dev\/null$/gm;
  for (const m of diff.matchAll(re)) {
    const c = out.find((f) => f.deleted && f.path === "/dev/null");
    if (c) c.path = m[1]!;
  }
  return out;
}

export interface ChangedSymbol {
  name: string;
  qualifiedName: string;
  kind: string;
  path: string;
  line: number;
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
  /** The changed symbol's signature changed: this dependent likely needs an edit too. */
  flagged: boolean;
}

export interface ImpactResult {
  files: string[];
  changed: ChangedSymbol[];
  dependents: Dependent[];
}

/** The working tree's diff against HEAD (tracked files). */
export function workingTreeDiff(root: string): string {
  return execFileSync("git", ["diff", "HEAD", "--no-color", "--unified=0"], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
  }).toString("utf8");
}

export function computeImpact(graph: CodeGraph, diff: string, limit = 300): ImpactResult {
  const changes = parseUnifiedDiff(diff);
  const symbolsIn = graph.db.prepare(
    "SELECT s.id, s.name, s.qualified_name AS qualifiedName, s.kind, s.line, s.end_line AS endLine, s.signature, s.parent_id AS parentId FROM symbols s JOIN files f ON f.id = s.file_id WHERE f.path = ?",
  );
  const changed: Array<ChangedSymbol & { id: number; parentId: number | null }> = [];
  for (const c of changes) {
    if (c.deleted) continue;
    const syms = symbolsIn.all(c.path) as Array<Omit<OutlineEntry, "depth"> & { parentId: number | null }>;
    // Deletions show up in the new file as a point between lines: count the line after.
    const touched = new Set([...c.addedLines, ...c.removedLines.map(() => -1)].filter((l) => l > 0));
    const removedAnchors = removedAnchorsInNew(c);
    for (const s of syms) {
      const hit = [...touched, ...removedAnchors].some((l) => l >= s.line && l <= s.endLine);
      if (!hit) continue;
      // Only the innermost symbols: a class is "changed" only if the change is not inside one of its members.
      const inner = syms.some(
        (o) =>
          o.parentId === s.id && [...touched, ...removedAnchors].some((l) => l >= o.line && l <= o.endLine),
      );
      if (inner && s.kind !== "function" && s.kind !== "method") continue;
      const sigLines = Math.max(1, s.signature.split("\n").length);
      const signatureChanged = c.addedLines.some(
        (l) => l >= s.line && l < s.line + sigLines + headerExtra(s.signature),
      );
      changed.push({
        id: s.id,
        parentId: s.parentId,
        name: s.name,
        qualifiedName: s.qualifiedName,
        kind: s.kind,
        path: c.path,
        line: s.line,
        signatureChanged,
      });
    }
  }

  const dependents: Dependent[] = [];
  const seen = new Set<string>();
  const push = (d: Dependent) => {
    const k = `${d.relation}:${d.path}:${d.line}:${d.name}:${d.of}`;
    if (seen.has(k) || dependents.length >= limit) return;
    seen.add(k);
    dependents.push(d);
  };
  const incoming = graph.db.prepare(
    "SELECT e.kind, f.path, e.line, coalesce(s.qualified_name, '') AS name FROM edges e JOIN files f ON f.id = e.src_file LEFT JOIN symbols s ON s.id = e.src_symbol WHERE e.dst_symbol = ? AND e.kind IN ('calls','references','inherits') LIMIT 500",
  );
  const importers = graph.db.prepare(
    "SELECT DISTINCT f.path, e.line FROM edges e JOIN files f ON f.id = e.src_file WHERE e.kind = 'imports' AND e.dst_file = (SELECT id FROM files WHERE path = ?) LIMIT 200",
  );
  const subclassesOf = graph.db.prepare(
    "SELECT e.src_symbol AS id FROM edges e WHERE e.kind = 'inherits' AND e.dst_symbol = ?",
  );
  const memberNamed = graph.db.prepare(
    "SELECT s.qualified_name AS name, f.path, s.line FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.parent_id = ? AND s.name = ?",
  );
  for (const c of changed) {
    for (const r of incoming.all(c.id) as Array<{ kind: string; path: string; line: number; name: string }>) {
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
        for (const { id } of subclassesOf.all(cls) as Array<{ id: number }>) {
          if (visited.has(id)) continue;
          visited.add(id);
          queue.push(id);
          for (const m of memberNamed.all(id, c.name) as Array<{
            name: string;
            path: string;
            line: number;
          }>) {
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
  for (const f of new Set(
    changed.filter((c) => c.signatureChanged || c.parentId === null).map((c) => c.path),
  )) {
    for (const r of importers.all(f) as Array<{ path: string; line: number }>) {
      const of = changed
        .filter((c) => c.path === f)
        .map((c) => c.qualifiedName)
        .join(", ");
      push({
        relation: "importer",
        name: r.path,
        path: r.path,
        line: r.line,
        of,
        flagged: changed.some((c) => c.path === f && c.signatureChanged),
      });
    }
  }
  return {
    files: changes.map((c) => c.path),
    changed: changed.map(({ id: _id, parentId: _p, ...rest }) => rest),
    dependents,
  };
}

function headerExtra(signature: string): number {
  // Signatures are collapsed to one line; long parameter lists span more source lines.
  return Math.floor(signature.length / 100);
}

/** Lines in the new file next to which lines were removed (a pure deletion touches its neighbours). */
function removedAnchorsInNew(c: FileChange): number[] {
  if (!c.removedLines.length || c.addedLines.length) return [];
  return c.removedLines.map((l) => l);
}
