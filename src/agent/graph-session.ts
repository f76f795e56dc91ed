/**
 * The code graph of a run. For the local sandbox it indexes the sandbox's checkout itself; for
 * Docker, whose files live in the container, it indexes a host copy of the base commit and copies
 * each changed file out of the sandbox before re-indexing it. The database is cached per
 * repository, so a second run on the same repository is an incremental update, not a cold build.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { errorMessage } from "../common/index.js";
import {
  type CodeGraph,
  createGraphHooks,
  defaultDbPath,
  localizationSummary,
  localize,
  openCodeGraph,
} from "../graph/index.js";
import type { Logger } from "../log/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { createGraphTools } from "../tools/graph/index.js";
import type { GraphHooks, Tool } from "../tools/index.js";

export interface RunGraph {
  graph: CodeGraph;
  hooks: GraphHooks;
  tools: Tool[];
  /** Localization candidates and a repo-map slice for the instance prompt. */
  localization: string;
  /** Top files, most likely first (for progress reports). */
  topFiles: string[];
  close(): Promise<void>;
}

function exportCommit(repoPath: string, commit: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn("git", ["-C", repoPath, "archive", "--format=tar", commit], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const untar = spawn("tar", ["-x", "-C", dest], { stdio: ["pipe", "ignore", "pipe"] });
    archive.stdout.pipe(untar.stdin);
    let err = "";
    archive.stderr.on("data", (d) => {
      err += d;
    });
    untar.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`git archive | tar failed: ${err.trim()}`)),
    );
    archive.on("error", reject);
    untar.on("error", reject);
  });
}

export async function openRunGraph(opts: {
  sandbox: Sandbox;
  repoPath: string;
  problemStatement: string;
  log: Logger;
}): Promise<RunGraph | null> {
  const { sandbox, log } = opts;
  let mirror: string | undefined;
  try {
    let root = sandbox.root;
    if (sandbox.kind !== "local") {
      mirror = await mkdtemp(join(tmpdir(), "fixpoint-graph-"));
      await exportCommit(opts.repoPath, sandbox.baseCommit, mirror);
      root = mirror;
    }
    const t0 = performance.now();
    const graph = await openCodeGraph(root, {
      dbPath: defaultDbPath(opts.repoPath),
      logger: log,
      // Past commits up to the run's base commit, read from the repository the run was made from.
      history: { repo: opts.repoPath, rev: sandbox.baseCommit },
    });
    const stats = await graph.build();
    log.info(
      { ms: Math.round(performance.now() - t0), files: stats.files, symbols: stats.symbols },
      "code graph ready",
    );
    const inner = createGraphHooks(graph, root);
    const hooks: GraphHooks = {
      checkEdit: (path, before, after) => inner.checkEdit?.(path, before, after) ?? Promise.resolve(null),
      async update(paths) {
        if (mirror) {
          // Bring the host copy up to date with the sandbox before re-indexing.
          for (const p of paths) {
            const dest = join(mirror, p);
            const content = await sandbox.readFile(p).catch(() => null);
            if (content === null) await rm(dest, { force: true });
            else {
              await mkdir(dirname(dest), { recursive: true });
              await writeFile(dest, content);
            }
          }
        }
        await inner.update(paths);
      },
    };
    const localization = localizationSummary(graph, opts.problemStatement, {
      topFiles: 8,
      budgetTokens: 1200,
    });
    const topFiles = localize(graph, opts.problemStatement, { top: 5, topSymbols: 0 }).files.map(
      (f) => f.path,
    );
    return {
      graph,
      hooks,
      // The sandbox's diff against the base commit: the host copy has no `.git` of its own.
      tools: createGraphTools(graph, { diff: () => sandbox.diff() }),
      localization,
      topFiles,
      async close() {
        graph.close();
        if (mirror) await rm(mirror, { recursive: true, force: true });
      },
    };
  } catch (err) {
    // The graph helps; it is never a reason for a run to fail.
    log.warn({ err: errorMessage(err) }, "code graph unavailable for this run");
    if (mirror) await rm(mirror, { recursive: true, force: true }).catch(() => undefined);
    return null;
  }
}
