/**
 * Code-graph tools for the agent. They close over a `CodeGraph` (ToolContext has no graph
 * handle), so the agent creates them once per run: `createGraphTools(graph)`.
 */
import { z } from "zod";
import { boundOutput, errorMessage } from "../../common/index.js";
import {
  type CodeGraph,
  computeImpact,
  localize,
  renderImpact,
  renderRepoMap,
  workingTreeDiff,
} from "../../graph/index.js";
import type { Tool, ToolResultData } from "../types.js";

const MAX_CHARS = 12_000;

function ok(output: string): ToolResultData {
  return { output: boundOutput(output || "(no results)", { maxChars: MAX_CHARS }), isError: false };
}

function fail(output: string): ToolResultData {
  return { output, isError: true };
}

async function guarded(fn: () => Promise<ToolResultData> | ToolResultData): Promise<ToolResultData> {
  try {
    return await fn();
  } catch (err) {
    return fail(`error: ${errorMessage(err)}`);
  }
}

function tool<S extends z.ZodType>(t: Tool<S>): Tool {
  return t as unknown as Tool;
}

export interface GraphToolOptions {
  /**
   * The current changes as a unified diff, for `impact` when the model passes none. Default: the
   * working tree's diff in the graph's root. A Docker run's graph indexes a host copy without
   * `.git`, so the agent passes the sandbox's own diff.
   */
  diff?: () => Promise<string>;
}

export function createGraphTools(graph: CodeGraph, opts: GraphToolOptions = {}): Tool[] {
  const searchCode = tool({
    name: "search_code",
    description:
      "Ranked search for the code an issue or a description is about: BM25 over file contents and symbol names/docstrings, identifiers, paths and stack-trace frames, propagated over the reference graph. Returns candidate files and symbols with line numbers.",
    schema: z.object({
      query: z
        .string()
        .min(1)
        .describe("Free text: an error message, identifiers, a description of the behaviour"),
      top: z.number().int().min(1).max(50).optional().describe("How many files (default 10)"),
    }),
    execute: (input) =>
      guarded(() => {
        const r = localize(graph, input.query, { top: input.top ?? 10, topSymbols: 15 });
        const lines = ["Files:", ...r.files.map((f) => `  ${f.path}  (score ${f.score})`)];
        if (r.symbols.length)
          lines.push("Symbols:", ...r.symbols.map((s) => `  ${s.name}  ${s.path}:${s.line}`));
        return ok(r.files.length ? lines.join("\n") : "");
      }),
  });

  const findSymbol = tool({
    name: "find_symbol",
    description:
      "Find symbol definitions by name: exact (`parse`), qualified (`Parser.parse`, `pkg.mod.func`), or fuzzy when nothing matches exactly. Returns kind, location and signature.",
    schema: z.object({
      name: z.string().min(1),
      kind: z.string().optional().describe("class, function, method, interface, type, variable, constant…"),
      limit: z.number().int().min(1).max(100).optional(),
    }),
    execute: (input) =>
      guarded(() => {
        const hits = graph.find(input.name, { limit: input.limit ?? 20, kind: input.kind });
        return ok(
          hits
            .map(
              (h) =>
                `${h.kind} ${h.qualifiedName}  ${h.path}:${h.line}  ${h.signature}${h.match === "exact" || h.match === "qualified" ? "" : `  [${h.match}]`}`,
            )
            .join("\n"),
        );
      }),
  });

  const showSymbol = tool({
    name: "show_symbol",
    description:
      "Show the source code of a symbol's definition (by exact or qualified name), with line numbers.",
    schema: z.object({ name: z.string().min(1), limit: z.number().int().min(1).max(5).optional() }),
    execute: (input) =>
      guarded(async () => {
        const defs = await graph.definition(input.name, input.limit ?? 2);
        if (!defs.length) {
          const near = graph.find(input.name, { limit: 5 }).map((h) => h.qualifiedName);
          return fail(
            `no definition named ${input.name}${near.length ? `; did you mean: ${near.join(", ")}` : ""}`,
          );
        }
        return ok(
          defs
            .map(({ symbol, source }) => {
              const body = source
                .split("\n")
                .map((l, i) => `${String(symbol.line + i).padStart(6)}  ${l}`)
                .join("\n");
              return `${symbol.path}:${symbol.line}-${symbol.endLine} (${symbol.kind} ${symbol.qualifiedName})\n${body}`;
            })
            .join("\n\n"),
        );
      }),
  });

  const references = tool({
    name: "references",
    description: "Where a symbol is used. mode: refs (calls, references, subclassing), callers, or callees.",
    schema: z.object({
      name: z.string().min(1),
      mode: z.enum(["refs", "callers", "callees"]).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    }),
    execute: (input) =>
      guarded(() => {
        const limit = input.limit ?? 200;
        if (input.mode === "callees") {
          const cs = graph.callees(input.name, limit);
          return ok(
            cs
              .map(
                (c) =>
                  `line ${c.line}: ${c.name}${c.target ? `  → ${c.target.qualifiedName} ${c.target.path}:${c.target.line}` : "  (external or unresolved)"}`,
              )
              .join("\n"),
          );
        }
        const rs =
          input.mode === "callers" ? graph.callers(input.name, limit) : graph.references(input.name, limit);
        if (!rs.length && !graph.resolveSymbols(input.name).length)
          return fail(`no symbol named ${input.name}`);
        return ok(
          rs.map((r) => `${r.path}:${r.line}  ${r.kind}  in ${r.from || "(module level)"}`).join("\n"),
        );
      }),
  });

  const outline = tool({
    name: "outline",
    description:
      "The outline of a file: its classes, functions, methods and module-level names with line ranges and signatures.",
    schema: z.object({ path: z.string().min(1).describe("Path relative to the repository root") }),
    execute: (input) =>
      guarded(() => {
        const o = graph.outline(input.path);
        if (!o.length)
          return graph.hasFile(input.path)
            ? ok(`${input.path}: no symbols`)
            : fail(`${input.path} is not an indexed file`);
        return ok(
          o
            .map((e) => `${"  ".repeat(e.depth)}${e.line}-${e.endLine} ${e.kind} ${e.signature || e.name}`)
            .join("\n"),
        );
      }),
  });

  const repoMap = tool({
    name: "repo_map",
    description:
      "A ranked map of the repository (personalized PageRank over references) as signatures per file, within a token budget. Seed it with files or symbols to see the code around them.",
    schema: z.object({
      budget_tokens: z.number().int().min(64).max(8192).optional(),
      seed_files: z.array(z.string()).optional(),
      seed_symbols: z.array(z.string()).optional(),
    }),
    execute: (input) =>
      guarded(() =>
        ok(
          renderRepoMap(graph, {
            budgetTokens: input.budget_tokens ?? 1024,
            seedFiles: input.seed_files,
            seedSymbols: input.seed_symbols,
          }),
        ),
      ),
  });

  const impact = tool({
    name: "impact",
    description:
      "Impact of the current changes (working tree vs HEAD, or a given unified diff): changed symbols (new, removed, or modified with or without a new signature) and their dependents (callers, importers, subclasses, overriders), flagged (!) where a signature changed or a definition was removed.",
    schema: z.object({
      diff: z.string().optional().describe("A unified diff; default: the working tree's diff"),
    }),
    execute: (input) =>
      guarded(async () => {
        const diff = input.diff ?? (opts.diff ? await opts.diff() : workingTreeDiff(graph.root));
        if (!diff.trim()) return ok("no changes");
        return ok(renderImpact(await computeImpact(graph, diff)));
      }),
  });

  return [searchCode, findSymbol, showSymbol, references, outline, repoMap, impact];
}
