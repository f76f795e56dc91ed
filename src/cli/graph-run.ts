/**
 * The implementations of `fixpoint graph <command>` (the options are in ./graph.ts, which imports
 * this module when a graph command runs: zod, SQLite and the graph load for those commands only).
 * Each returns the exit code: 0, 1 when nothing was found, 2 bad input, 3 infrastructure.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { z } from "zod";
import { describeZodError, FixpointError, UsageError } from "../common/index.js";
import {
  type CodeGraph,
  computeImpact,
  localize,
  openCodeGraph,
  renderImpact,
  renderRepoMap,
  workingTreeDiff,
} from "../graph/index.js";

const common = z.object({
  repo: z.string().min(1).default("."),
  json: z.boolean().default(false),
  db: z.string().min(1).optional(),
  cacheDir: z.string().min(1).optional(),
  update: z.boolean().default(true),
  workers: z.coerce.number().int().min(0).max(64).optional(),
});

type Common = z.infer<typeof common>;

const nameArgs = common.extend({
  name: z.string().min(1, "is empty"),
  limit: z.coerce.number().int().min(1).max(10000).default(50),
});

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(describeZodError(what, r.error.issues));
  return r.data;
}

function print(opts: Common, json: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(json, null, 2)}\n` : `${human()}\n`);
}

async function withGraph<T>(
  opts: Common,
  fn: (g: CodeGraph) => Promise<T> | T,
  update = opts.update,
): Promise<T> {
  if (!existsSync(opts.repo)) throw new UsageError(`--repo: ${opts.repo} does not exist`);
  const g = await openCodeGraph(opts.repo, {
    dbPath: opts.db,
    cacheDir: opts.cacheDir,
    workers: opts.workers,
  });
  try {
    if (update) await g.build();
    return await fn(g);
  } finally {
    g.close();
  }
}

type Action = (...args: unknown[]) => Promise<number>;

/** Errors become one line on stderr and their exit code (3 when they carry none). */
function run(action: Action): Action {
  return async (...args) => {
    try {
      return await action(...args);
    } catch (err) {
      process.stderr.write(`fixpoint graph: ${err instanceof Error ? err.message : String(err)}\n`);
      return err instanceof FixpointError ? err.exitCode : 3;
    }
  };
}

/** The last argument commander passes is the Command; its opts() are the flags. */
function flags(args: unknown[]): Record<string, unknown> {
  return (args[args.length - 1] as Command).opts();
}

export const build = run(async (...args) => {
  const o = parse(common, flags(args), "graph build");
  await withGraph(
    o,
    async (g) => {
      const s = await g.build();
      print(
        o,
        s,
        () =>
          `indexed ${s.files} files (${s.parsed} parsed, ${s.unchanged} unchanged, ${s.removed} removed): ${s.symbols} symbols, ${s.edges} edges; skipped ${s.skipped.binary} binary, ${s.skipped.oversize} oversize, ${s.skipped.unreadable} unreadable, ${s.skipped.symlinks} symlinks; ${s.partial} with parse errors; ${s.ms} ms (writing the database ${s.storeMs} ms)${s.rebuilt ? " (database rebuilt)" : ""}`,
      );
    },
    false,
  );
  return 0;
});

export const stats = run(async (...args) => {
  const o = parse(common, flags(args), "graph stats");
  await withGraph(o, (g) => {
    const s = g.stats();
    print(o, s, () =>
      [
        `${s.root}  (db ${s.dbPath}, ${(s.dbBytes / 1e6).toFixed(1)} MB)`,
        `files ${s.files}  ${JSON.stringify(s.filesByLanguage)}`,
        `symbols ${s.symbols}  ${JSON.stringify(s.symbolsByKind)}`,
        `edges ${s.edges}  ${JSON.stringify(s.edgesByKind)}`,
        s.history
          ? `history ${s.history.commits} commits up to ${s.history.head.slice(0, 10)}`
          : "history not read yet (the first localize reads it)",
      ].join("\n"),
    );
  });
  return 0;
});

export const find = run(async (...args) => {
  const o = parse(
    nameArgs.extend({ kind: z.string().optional() }),
    { ...flags(args), name: args[0] },
    "graph find",
  );
  return withGraph(o, (g) => {
    const hits = g.find(o.name, { limit: o.limit, kind: o.kind });
    print(
      o,
      hits,
      () =>
        hits
          .map(
            (h) =>
              `${h.path}:${h.line}  ${h.kind} ${h.qualifiedName}  ${h.signature}${h.match === "exact" ? "" : `  [${h.match}]`}`,
          )
          .join("\n") || "no matches",
    );
    return hits.length ? 0 : 1;
  });
});

export const def = run(async (...args) => {
  const o = parse(nameArgs, { ...flags(args), name: args[0] }, "graph def");
  return withGraph(o, async (g) => {
    const defs = await g.definition(o.name, 5);
    print(
      o,
      defs,
      () => defs.map((d) => `${d.symbol.path}:${d.symbol.line}\n${d.source}`).join("\n\n") || "no definition",
    );
    return defs.length ? 0 : 1;
  });
});

function referencesOf(cmd: "refs" | "callers"): Action {
  return run(async (...args) => {
    const o = parse(nameArgs, { ...flags(args), name: args[0] }, `graph ${cmd}`);
    await withGraph(o, (g) => {
      if (!g.resolveSymbols(o.name).length) throw new UsageError(`no symbol named ${o.name}`);
      const rs = cmd === "refs" ? g.references(o.name, o.limit) : g.callers(o.name, o.limit);
      print(
        o,
        rs,
        () =>
          rs
            .map((r) => `${r.path}:${r.line}  ${r.kind}  ${r.from || "(module level)"} → ${r.target}`)
            .join("\n") || "none",
      );
    });
    return 0;
  });
}

export const refs = referencesOf("refs");
export const callers = referencesOf("callers");

export const callees = run(async (...args) => {
  const o = parse(nameArgs, { ...flags(args), name: args[0] }, "graph callees");
  await withGraph(o, (g) => {
    if (!g.resolveSymbols(o.name).length) throw new UsageError(`no symbol named ${o.name}`);
    const cs = g.callees(o.name, o.limit);
    print(
      o,
      cs,
      () =>
        cs
          .map(
            (c) =>
              `${c.line}: ${c.name}${c.target ? ` → ${c.target.path}:${c.target.line} ${c.target.qualifiedName}` : " (external)"}`,
          )
          .join("\n") || "none",
    );
  });
  return 0;
});

export const outline = run(async (...args) => {
  const o = parse(
    common.extend({ file: z.string().min(1) }),
    { ...flags(args), file: args[0] },
    "graph outline",
  );
  await withGraph(o, (g) => {
    if (!g.hasFile(o.file)) throw new UsageError(`${o.file} is not an indexed file of ${o.repo}`);
    const entries = g.outline(o.file);
    print(o, entries, () =>
      entries
        .map((e) => `${"  ".repeat(e.depth)}${e.line}-${e.endLine} ${e.kind} ${e.signature || e.name}`)
        .join("\n"),
    );
  });
  return 0;
});

export const neighbors = run(async (...args) => {
  const o = parse(
    nameArgs.extend({ hops: z.coerce.number().int().min(1).max(5) }),
    { ...flags(args), name: args[0] },
    "graph neighbors",
  );
  await withGraph(o, (g) => {
    if (!g.resolveSymbols(o.name).length) throw new UsageError(`no symbol named ${o.name}`);
    const ns = g.neighbors(o.name, o.hops);
    print(o, ns, () =>
      ns
        .map(
          (n) =>
            `${n.distance} ${n.via.padEnd(14)} ${n.symbol.kind} ${n.symbol.qualifiedName}  ${n.symbol.path}:${n.symbol.line}`,
        )
        .join("\n"),
    );
  });
  return 0;
});

export const map = run(async (...args) => {
  const o = parse(
    common.extend({
      budget: z.coerce.number().int().min(16).max(1_000_000),
      seed: z.array(z.string()).default([]),
    }),
    flags(args),
    "graph map",
  );
  await withGraph(o, (g) => {
    const seedFiles = o.seed.filter((s) => g.hasFile(s.replace(/^\.\//, "")));
    const seedSymbols = o.seed.filter((s) => !seedFiles.includes(s));
    const map = renderRepoMap(g, { budgetTokens: o.budget, seedFiles, seedSymbols });
    print(o, { map, budgetTokens: o.budget }, () => map);
  });
  return 0;
});

export const localizeIssue = run(async (...args) => {
  const o = parse(
    common.extend({
      issue: z.string().min(1),
      top: z.coerce.number().int().min(1).max(1000),
      history: z.boolean().default(true),
    }),
    flags(args),
    "graph localize",
  );
  let text: string;
  try {
    text = readFileSync(o.issue === "-" ? 0 : o.issue, "utf8");
  } catch {
    throw new UsageError(`--issue: cannot read ${o.issue}`);
  }
  await withGraph(o, (g) => {
    const r = localize(g, text, { top: o.top, ...(o.history ? {} : { history: false as const }) });
    print(o, r, () =>
      [
        ...r.files.map((f) => `${f.score.toFixed(3)}  ${f.path}`),
        "",
        ...r.symbols.map((s) => `${s.score.toFixed(3)}  ${s.name}  ${s.path}:${s.line}`),
        ...(r.commits.length ? ["", "similar past commits:"] : []),
        ...r.commits.map((c) => `${c.hash.slice(0, 10)}  ${c.subject}  (${c.files.join(", ")})`),
      ].join("\n"),
    );
  });
  return 0;
});

export const impact = run(async (...args) => {
  const o = parse(common.extend({ diff: z.string().optional() }), flags(args), "graph impact");
  let diff: string;
  if (o.diff) {
    try {
      diff = readFileSync(o.diff === "-" ? 0 : o.diff, "utf8");
    } catch {
      throw new UsageError(`--diff: cannot read ${o.diff}`);
    }
  } else {
    try {
      diff = workingTreeDiff(o.repo);
    } catch {
      throw new UsageError(`${o.repo} is not a git work tree; pass --diff FILE`);
    }
  }
  await withGraph(o, async (g) => {
    const r = await computeImpact(g, diff);
    print(o, r, () => renderImpact(r));
  });
  return 0;
});
