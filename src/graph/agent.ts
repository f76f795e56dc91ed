/** What the agent uses: graph hooks for the editor/bash tools and the localization summary for the prompt. */
import type { CodeGraph } from "./graph.js";
import { checkSyntaxRegression } from "./guard.js";
import { localize } from "./localize.js";
import { renderRepoMap } from "./rank.js";

/** Mirrors `GraphHooks` in src/tools/types.ts (src/graph may not import tools). */
export interface GraphHooksLike {
  update(paths: string[]): Promise<void>;
  checkEdit?(path: string, before: string | null, after: string): Promise<string | null>;
}

export function createGraphHooks(graph: CodeGraph, repoRoot: string = graph.root): GraphHooksLike {
  const rel = (p: string) => {
    const n = p.replace(/\\/g, "/");
    const root = repoRoot.replace(/\\/g, "/").replace(/\/$/, "");
    return n.startsWith(`${root}/`) ? n.slice(root.length + 1) : n.replace(/^\.\//, "");
  };
  return {
    // A failed re-index rejects: the tool registry logs it ("code graph update failed") and the
    // edit stands; the next update retries. It must not be swallowed here, unseen.
    async update(paths) {
      await graph.update(paths.map(rel));
    },
    async checkEdit(path, before, after) {
      try {
        return await checkSyntaxRegression(rel(path), before, after);
      } catch {
        return null; // the guard must never block an edit because of its own failure
      }
    },
  };
}

/** Top localization candidates and a repo-map slice around them, for the agent's instance prompt. */
export function localizationSummary(
  graph: CodeGraph,
  issueText: string,
  opts: { topFiles?: number; budgetTokens?: number } = {},
): string {
  const topFiles = opts.topFiles ?? 5;
  const loc = localize(graph, issueText, { top: topFiles, topSymbols: 10 });
  if (!loc.files.length) return "No localization candidates were found for this issue.";
  const lines = ["Likely relevant files (most likely first):"];
  for (const f of loc.files) lines.push(`- ${f.path}`);
  if (loc.symbols.length) {
    lines.push("", "Likely relevant symbols:");
    for (const s of loc.symbols.slice(0, 10)) lines.push(`- ${s.name} (${s.path}:${s.line})`);
  }
  if (loc.commits.length) {
    lines.push("", "Past commits whose messages read like the issue (`git show HASH` for the change):");
    for (const c of loc.commits) lines.push(`- ${c.hash.slice(0, 10)} ${c.subject} (${c.files.join(", ")})`);
  }
  const map = renderRepoMap(graph, {
    budgetTokens: opts.budgetTokens ?? 1024,
    fileWeights: new Map(loc.files.map((f) => [f.path, f.score])),
    seedSymbols: loc.symbols.slice(0, 5).map((s) => s.name),
  });
  if (map) lines.push("", "Repository map around them (signatures):", map);
  return lines.join("\n");
}
