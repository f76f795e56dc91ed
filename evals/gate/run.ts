/**
 * The regression gate on real SWE-bench tasks. For every task, three oracle runs through
 * `suite run` with the gate on, in Docker, each applying a patch through the agent's own tools:
 * - `gold`: the gold patch alone (the source change);
 * - `commit`: the gold patch and the test patch — the upstream change as its authors made it,
 *   whose new and updated tests the gate counts as the agent's own. It must submit: a failure
 *   that already exists at the base commit must not block it;
 * - `mutant`: the commit plus a `raise` at the top of a function the gold patch changes. It must
 *   be refused with a PASS_TO_PASS test named as a regression.
 * Prints a Markdown table (task, submitted, gate wall time, tests selected, pre-existing
 * failures) and writes results-<scope>.json.
 *
 *   FIXPOINT_BASE_IMAGE=fixpoint/debian:bookworm npx tsx evals/gate/run.ts --mirror /work/.mirror \
 *     --out /tmp/gate-eval [--dataset ../shared/datasets/swe-bench-lite-test.json] \
 *     [--repos psf/requests,pallets/flask] [--scope auto|related|full] [--workers 2]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { applyPatch, parsePatch } from "diff";
import YAML from "yaml";
import type { GateRecord } from "../../src/agent/trajectory.js";
import { createLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import { findInMirror, runSuite, taskDirName } from "../../src/suite/index.js";
import { loadTaskFile, type SuiteTask } from "../../src/task/swebench.js";
import { sameTest } from "../../src/testing/index.js";
import { oracleTurns } from "../suite/make-oracle-script.js";

const { values } = parseArgs({
  options: {
    mirror: { type: "string" },
    out: { type: "string" },
    dataset: {
      type: "string",
      default: resolve(import.meta.dirname, "../../../shared/datasets/swe-bench-lite-test.json"),
    },
    repos: { type: "string", default: "psf/requests,pallets/flask" },
    instances: { type: "string" },
    scope: { type: "string", default: "auto" },
    workers: { type: "string", default: "2" },
  },
});
if (!values.mirror || !values.out) {
  console.error(
    "usage: run.ts --mirror DIR --out DIR [--dataset FILE] [--repos a/b,c/d] [--scope auto|related|full]",
  );
  process.exit(2);
}
const scope = values.scope as "auto" | "related" | "full";
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const repos = new Set(values.repos!.split(","));
const wanted = values.instances ? new Set(values.instances.split(",")) : null;
const records = (JSON.parse(readFileSync(values.dataset!, "utf8")) as Array<Record<string, string>>).filter(
  (r) => repos.has(r.repo!) && (!wanted || wanted.has(r.instance_id!)),
);
const tasksPath = join(out, "tasks.jsonl");
writeFileSync(tasksPath, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
const { tasks } = loadTaskFile(tasksPath);

type Turn = ReturnType<typeof oracleTurns>[number];

/** The name of the class whose body holds line `at`, if any. */
function classAround(lines: string[], at: number): string | null {
  const indent = /^\s*/.exec(lines[at]!)![0].length;
  for (let i = at - 1; i >= 0; i--) {
    const m = /^(\s*)class\s+(\w+)/.exec(lines[i]!);
    if (m && m[1]!.length < indent) return m[2]!;
  }
  return null;
}

/** Python functions of a file: where each def starts, where its body starts, its name. */
function functionsOf(lines: string[]): Array<{ def: number; body: number; end: number; name: string }> {
  const out: Array<{ def: number; body: number; end: number; name: string }> = [];
  const indentOf = (l: string) => /^\s*/.exec(l)![0].length;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:async\s+)?def\s+(\w+)/.exec(lines[i]!);
    if (!m) continue;
    // The signature ends at the first line ending with ":" outside brackets.
    let depth = 0;
    let sigEnd = i;
    for (; sigEnd < lines.length; sigEnd++) {
      const code = lines[sigEnd]!.replace(/#.*$/, "");
      for (const ch of code) depth += ch === "(" || ch === "[" ? 1 : ch === ")" || ch === "]" ? -1 : 0;
      if (depth <= 0 && /:\s*$/.test(code)) break;
    }
    let body = sigEnd + 1;
    while (body < lines.length && !lines[body]!.trim()) body++;
    if (body >= lines.length || indentOf(lines[body]!) <= m[1]!.length) continue;
    let end = body;
    for (let j = body + 1; j < lines.length; j++) {
      if (lines[j]!.trim() && indentOf(lines[j]!) <= m[1]!.length) break;
      end = j;
    }
    out.push({ def: i, body, end, name: m[2]! });
  }
  return out;
}

/**
 * The mutant's extra edit: `raise RuntimeError` as the first statement of a function that a
 * PASS_TO_PASS test uses — the first function the gold patch changes whose name appears in a
 * PASS_TO_PASS test file, else another function of a file the gold patch changes that does — in
 * the file as the gold patch leaves it. (Chosen by text, not by the code graph whose selection
 * the related scope tests.)
 */
function mutantTurn(t: SuiteTask, read: (p: string) => string | null): { turn: Turn; where: string } | null {
  const p2pFiles = [...new Set((t.task.tests?.passToPass ?? []).map((id) => id.split("::")[0]!))];
  const p2pText = p2pFiles.map((f) => read(f) ?? "").join("\n");
  const usedByP2P = (name: string) => new RegExp(`\\b${name}\\b`).test(p2pText);
  const candidates: Array<{
    path: string;
    lines: string[];
    fn: ReturnType<typeof functionsOf>[number];
    changed: boolean;
  }> = [];
  for (const f of parsePatch(t.goldPatch)) {
    const path = (f.newFileName ?? "").replace(/^b\//, "");
    if (!path.endsWith(".py") || /(^|\/)tests?\//.test(path)) continue;
    const before = read(path);
    if (before === null) continue;
    const after = applyPatch(before, f);
    if (after === false) continue;
    const lines = after.split("\n");
    const changedLines: number[] = [];
    for (const h of f.hunks) {
      let n = h.newStart - 1;
      for (const l of h.lines) {
        if (l.startsWith("+")) changedLines.push(n);
        if (!l.startsWith("-") && !l.startsWith("\\")) n++;
      }
    }
    for (const fn of functionsOf(lines)) {
      // The innermost function around a changed line counts as changed.
      const changed = changedLines.some((n) => n >= fn.def && n <= fn.end);
      candidates.push({ path, lines, fn, changed });
    }
  }
  // A constructor is used where its class is.
  const usedName = (c: (typeof candidates)[number]) =>
    c.fn.name === "__init__" ? classAround(c.lines, c.fn.def) : c.fn.name.startsWith("__") ? null : c.fn.name;
  const pick =
    candidates.find((c) => c.changed && usedName(c) && usedByP2P(usedName(c)!)) ??
    candidates.find((c) => !c.fn.name.startsWith("_") && usedByP2P(c.fn.name));
  if (!pick) return null;
  const { lines, fn, path } = pick;
  const indent = /^\s*/.exec(lines[fn.body]!)![0];
  const old = lines.slice(fn.def, fn.body + 1).join("\n");
  const insert = `${indent}raise RuntimeError("fixpoint mutant: this function is broken on purpose")`;
  const replacement = [...lines.slice(fn.def, fn.body), insert, lines[fn.body]!].join("\n");
  return {
    where: `${path}: ${fn.name}${pick.changed ? "" : " (not changed by the gold patch)"}`,
    turn: {
      text: "Mutant: break the function on purpose.",
      tool_calls: [
        { name: "editor", input: { command: "str_replace", path, old_str: old, new_str: replacement } },
      ],
    },
  };
}

const mutants = new Map<string, string>();
const scriptsDir = join(out, "scripts");
mkdirSync(scriptsDir, { recursive: true });
for (const t of tasks) {
  const repo = await findInMirror(resolve(values.mirror), t.repoName);
  if (!repo) throw new Error(`${t.repoName} is not in the mirror`);
  const read = (path: string) => {
    try {
      return execFileSync("git", ["show", `${t.baseCommit}:${path}`], {
        cwd: repo,
        encoding: "utf8",
        maxBuffer: 1 << 26,
      });
    } catch {
      return null;
    }
  };
  const gold = oracleTurns(t, read);
  writeFileSync(
    join(scriptsDir, `${t.instanceId}.gold.yaml`),
    YAML.stringify({ turns: gold }, { lineWidth: 0 }),
  );
  const commit = oracleTurns(
    {
      ...t,
      goldPatch: t.goldPatch.endsWith("\n") ? t.goldPatch + t.testPatch : `${t.goldPatch}\n${t.testPatch}`,
    },
    read,
  );
  writeFileSync(
    join(scriptsDir, `${t.instanceId}.commit.yaml`),
    YAML.stringify({ turns: commit }, { lineWidth: 0 }),
  );
  const m = mutantTurn(t, read);
  if (!m) continue;
  mutants.set(t.instanceId, m.where);
  // The mutant edit goes in before the tests and the submit.
  const turns = [...commit.slice(0, -2), m.turn, ...commit.slice(-2)];
  writeFileSync(join(scriptsDir, `${t.instanceId}.mutant.yaml`), YAML.stringify({ turns }, { lineWidth: 0 }));
}

const log = createLogger({ file: join(out, "eval.log"), pretty: false });
const baselineCacheDir = join(out, "baselines");
async function suite(kind: "gold" | "commit" | "mutant") {
  const dir = join(out, `${kind}-${scope}`);
  const t0 = performance.now();
  const r = await runSuite({
    tasks: kind === "mutant" ? tasks.filter((t) => mutants.has(t.instanceId)) : tasks,
    outDir: dir,
    workers: Number(values.workers),
    redo: true,
    modelName: `oracle-${kind}`,
    makeModel: (t) => createModel(`scripted:${join(scriptsDir, `${t.instanceId}.${kind}.yaml`)}`, {}),
    sandbox: "docker",
    mirror: resolve(values.mirror!),
    cacheDir: join(out, "cache"),
    imageTemplate: null,
    ...(process.env.FIXPOINT_BASE_IMAGE ? { baseImage: process.env.FIXPOINT_BASE_IMAGE } : {}),
    budget: { maxSteps: 60, maxTimeMs: 40 * 60_000 },
    commandTimeoutMs: 10 * 60_000,
    testGate: true,
    gate: { scope },
    baselineCacheDir,
    log,
  });
  console.error(
    `${kind}: ${r.done.length} done, ${r.failed.length} failed in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  return dir;
}

const goldDir = await suite("gold");
const commitDir = await suite("commit");
const mutantDir = await suite("mutant");

function gates(dir: string, id: string): { status: string; gates: GateRecord[] } {
  try {
    const traj = JSON.parse(readFileSync(join(dir, taskDirName(id), "trajectory.json"), "utf8"));
    return {
      status: traj.status,
      gates: (traj.steps as Array<{ gate?: GateRecord }>).flatMap((s) => (s.gate ? [s.gate] : [])),
    };
  } catch {
    return { status: "missing", gates: [] };
  }
}

const rows: string[] = [];
const results: Array<Record<string, unknown>> = [];
const describe = (r: { status: string; gates: GateRecord[] }) => {
  const gate = r.gates[0];
  const ran = gate?.counts
    ? gate.counts.passed + gate.counts.failed + gate.counts.error + gate.counts.skipped
    : 0;
  const selected = !gate
    ? "—"
    : gate.scope === "full"
      ? `whole suite (${ran})`
      : `${gate.selection?.length ?? 0} selected (${ran} run)`;
  const refusals = r.gates.filter((g) => !g.passed).length;
  const submitted =
    r.status === "submitted"
      ? refusals
        ? `yes, after ${refusals} refusal(s)`
        : "yes"
      : gate?.regressions?.length
        ? `**no**: ${gate.regressions.length} regression(s), e.g. \`${gate.regressions[0]!.name}\``
        : `**no**: its own test fails here: \`${gate?.agentTests?.find((a) => a.status !== "passed")?.name ?? "?"}\``;
  return { gate, ran, selected, submitted };
};
for (const t of tasks) {
  const gr = gates(goldDir, t.instanceId);
  const gold = describe(gr);
  const c = gates(commitDir, t.instanceId);
  const commit = describe(c);
  const m = gates(mutantDir, t.instanceId);
  const mg = m.gates[0];
  const p2p = t.task.tests?.passToPass ?? [];
  const named = (mg?.regressions ?? []).filter((r) => p2p.some((id) => sameTest(r.name, id)));
  const mutant = mg
    ? mg.passed
      ? "**accepted**"
      : `refused: ${named.length} of ${mg.regressions?.length ?? 0} regressions are PASS_TO_PASS tests, e.g. \`${named[0]?.name ?? mg.regressions?.[0]?.name ?? "?"}\``
    : "—";
  const g = commit.gate;
  rows.push(
    `| ${t.instanceId} | ${gold.submitted} | ${commit.submitted} | ${g ? `${((g.durationMs ?? 0) / 1000).toFixed(1)} s` : "—"} | ${commit.selected} | ${g?.agentTests?.length ?? 0} | ${g?.preExisting?.length ?? 0} | ${g?.flaky?.length ?? 0} | \`${mutants.get(t.instanceId) ?? "—"}\` | ${mutant} |`,
  );
  results.push({
    instance_id: t.instanceId,
    gold: { status: gr.status, gates: gr.gates },
    commit: { status: c.status, gates: c.gates },
    mutant: {
      where: mutants.get(t.instanceId),
      status: m.status,
      gates: m.gates,
      p2pRegressions: named.map((r) => r.name),
    },
  });
}
writeFileSync(join(out, `results-${scope}.json`), JSON.stringify(results, null, 2));
console.log(`Gate scope: ${scope}\n`);
console.log(
  "| task | gold patch alone: submitted | gold + test patch: submitted | its gate's wall time | tests run | its own tests | pre-existing failures | flaky | mutant: `raise` in | mutant's gate |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
