/**
 * `fixpoint graph <command>`: the code graph from the command line. Every command takes
 * `--repo DIR` (default: the current directory) and `--json`; query commands bring the index
 * up to date first (incrementally) unless `--no-update`. Exit codes: 2 bad input, 3 infrastructure.
 * The implementations are in ./graph-run.ts, imported when a graph command runs.
 */
import type { Command } from "commander";
import { lazyAction } from "./lazy.js";

type GraphRun = typeof import("./graph-run.js");
type GraphCommand = {
  [K in keyof GraphRun]: GraphRun[K] extends (...args: unknown[]) => Promise<number> ? K : never;
}[keyof GraphRun];

/** The action of one graph command: ./graph-run.js's export of that name. */
function action(name: GraphCommand): (...args: unknown[]) => Promise<void> {
  return lazyAction(async () => (await import("./graph-run.js"))[name]);
}

function withCommon(cmd: Command): Command {
  return cmd
    .option("--repo <dir>", "repository root", ".")
    .option("--json", "machine-readable output", false)
    .option("--db <path>", "database file (default: in the cache directory)")
    .option("--cache-dir <dir>", "cache directory for graph databases")
    .option(
      "--workers <n>",
      "parser worker threads besides the main thread, which extracts too (default: cores - 1; 0 = main thread only)",
    )
    .option("--no-update", "query the index as it is, without re-indexing changed files");
}

export function registerGraphCommands(program: Command): void {
  const graph = program.command("graph").description("code graph: index, query, map, localize, impact");

  withCommon(graph.command("build").description("index the repository (incremental)")).action(
    action("build"),
  );

  withCommon(graph.command("stats").description("counts of files, symbols and edges")).action(
    action("stats"),
  );

  withCommon(
    graph.command("find <name>").description("find symbols: exact, qualified (A.b, pkg.mod.f) or fuzzy"),
  )
    .option("--kind <kind>", "only this kind")
    .option("--limit <n>", "maximum results", "50")
    .action(action("find"));

  withCommon(graph.command("def <symbol>").description("show a symbol's definition source")).action(
    action("def"),
  );

  withCommon(graph.command("refs <symbol>").description("references to a symbol"))
    .option("--limit <n>", "maximum results", "500")
    .action(action("refs"));

  withCommon(graph.command("callers <symbol>").description("call sites of a symbol"))
    .option("--limit <n>", "maximum results", "500")
    .action(action("callers"));

  withCommon(graph.command("callees <symbol>").description("what a symbol calls"))
    .option("--limit <n>", "maximum results", "500")
    .action(action("callees"));

  withCommon(graph.command("outline <file>").description("symbols of one file")).action(action("outline"));

  withCommon(graph.command("neighbors <symbol>").description("symbols within K hops"))
    .option("--hops <k>", "hops", "1")
    .action(action("neighbors"));

  withCommon(
    graph.command("map").description("ranked repository map (personalized PageRank) within a token budget"),
  )
    .option("--budget <tokens>", "token budget", "1024")
    .option("--seed <fileOrSymbol...>", "seed files or symbols")
    .action(action("map"));

  withCommon(graph.command("localize").description("rank files and symbols for an issue text"))
    .requiredOption("--issue <file>", "issue text file ('-' for stdin)")
    .option("--top <n>", "number of files", "10")
    .option("--no-history", "leave out past commits whose messages read like the issue")
    .action(action("localizeIssue"));

  withCommon(
    graph
      .command("impact")
      .description("changed symbols and their dependents for a diff (default: working tree)"),
  )
    .option("--diff <file>", "unified diff file ('-' for stdin)")
    .action(action("impact"));
}
