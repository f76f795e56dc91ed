/**
 * The test gate on a large real repository: how long the gate takes for a one-function change
 * when the code graph selects its tests, against running the whole suite, and how much of the
 * baseline's time the model's first turns hide. Figures and ratios from one run, printed; nothing
 * fails on time.
 *
 *   FIXPOINT_BASE_IMAGE=fixpoint/debian:bookworm npx tsx bench/gate/run.ts --repo /tmp/sympy-wt \
 *     [--commit HEAD] [--file sympy/physics/units/unitsystem.py] [--function _collect_factor_and_dimension] \
 *     [--turns 6] [--turn-seconds 10] [--no-full]
 *
 * The repository is a git checkout (sympy by default: its recipe in environments/recipes/
 * builds the image from Debian packages). Three measurements, each in a fresh Docker sandbox:
 * 1. the gate, `related` scope, on a cold baseline cache: graph selection, baseline of the
 *    selected tests and the run on the changed code, with no model turn before the submit;
 * 2. the same, with a model that takes `--turns` turns of `--turn-seconds` before it edits and
 *    submits (the baseline of the tests the localization predicts runs meanwhile): the part of
 *    the baseline's time that those turns hide;
 * 3. the gate, `full` scope (the whole suite at baseline and on the changed code), unless --no-full.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { type GateSettings, solveTask } from "../../src/agent/index.js";
import type { GateRecord } from "../../src/agent/trajectory.js";
import { createLogger } from "../../src/log/index.js";
import { createModel, type Model } from "../../src/model/index.js";
import { resolveEnvironment } from "../../src/suite/index.js";
import type { SuiteTask } from "../../src/task/index.js";

const { values } = parseArgs({
  options: {
    repo: { type: "string" },
    "repo-name": { type: "string", default: "sympy/sympy" },
    commit: { type: "string", default: "HEAD" },
    file: { type: "string", default: "sympy/physics/units/unitsystem.py" },
    function: { type: "string", default: "_collect_factor_and_dimension" },
    issue: {
      type: "string",
      default:
        "UnitSystem._collect_factor_and_dimension() cannot detect equivalent dimensions in addition: " +
        'adding a velocity to acceleration*time raises ValueError: Dimension of "a1*t1" is Dimension(acceleration*time), but it should be Dimension(velocity).',
    },
    turns: { type: "string", default: "6" },
    "turn-seconds": { type: "string", default: "10" },
    "no-full": { type: "boolean", default: false },
  },
});
if (!values.repo) {
  console.error(
    "usage: bench/gate/run.ts --repo DIR [--commit REV] [--file PATH --function NAME] [--no-full]",
  );
  process.exit(2);
}
const repo = resolve(values.repo);
const commit = execFileSync("git", ["rev-parse", values.commit!], { cwd: repo, encoding: "utf8" }).trim();
const source = execFileSync("git", ["show", `${commit}:${values.file}`], { cwd: repo, encoding: "utf8" });
const work = mkdtempSync(join(tmpdir(), "fp-bench-gate-"));
const log = createLogger({ file: join(work, "bench.log"), pretty: false });

/** The one-function change: a harmless first statement in the function's body. */
function oneFunctionEdit(): { old: string; new: string } {
  const lines = source.split("\n");
  const def = lines.findIndex((l) => new RegExp(`^\\s*def ${values.function}\\b`).test(l));
  if (def < 0) throw new Error(`${values.file} has no function ${values.function}`);
  let end = def;
  while (!/:\s*(#.*)?$/.test(lines[end]!)) end++;
  let body = end + 1;
  while (!lines[body]!.trim()) body++;
  // Skip the docstring so the edit lands in code.
  const first = lines[body]!.trim();
  if (/^[rbu]?("""|''')/.test(first)) {
    const q = first.match(/("""|''')/)![1]!;
    if (!(first.indexOf(q) !== first.lastIndexOf(q))) while (!lines[++body]!.includes(q));
    body++;
  }
  const indent = /^\s*/.exec(lines[body]!)![0];
  const old = lines.slice(def, body + 1).join("\n");
  const edited = [
    ...lines.slice(def, body),
    `${indent}_bench_marker = None  # a one-function change`,
    lines[body]!,
  ];
  return { old, new: edited.join("\n") };
}

const edit = oneFunctionEdit();
const turnsBeforeEdit = Number(values.turns);
const turnMs = Number(values["turn-seconds"]) * 1000;

function script(turns: number): string {
  const t = [];
  for (let i = 0; i < turns; i++)
    t.push({ tool_calls: [{ name: "bash", input: { command: `echo turn ${i + 1}` } }] });
  t.push({
    tool_calls: [
      {
        name: "editor",
        input: { command: "str_replace", path: values.file, old_str: edit.old, new_str: edit.new },
      },
    ],
  });
  t.push({ tool_calls: [{ name: "submit", input: { summary: "bench" } }] });
  const path = join(work, `script-${turns}.yaml`);
  writeFileSync(path, YAML.stringify({ turns: t }, { lineWidth: 0 }));
  return path;
}

/** A model that takes `ms` to answer each turn, as a real one does. */
async function slowModel(path: string, ms: number): Promise<Model> {
  const inner = await createModel(`scripted:${path}`, {});
  return {
    ...inner,
    spec: inner.spec,
    contextWindow: inner.contextWindow,
    async complete(req) {
      if (ms) await new Promise((r) => setTimeout(r, ms));
      return inner.complete(req);
    },
  } as Model;
}

const task: SuiteTask = {
  instanceId: "bench-gate",
  repoName: values["repo-name"]!,
  format: "swe-bench",
  task: {
    id: "bench-gate",
    repo: { kind: "local", path: repo },
    baseCommit: commit,
    problemStatement: values.issue!,
    origin: "bench",
  },
  baseCommit: commit,
  goldPatch: "",
  testPatch: "",
  failToPass: [],
  passToPass: [],
};
const plan = await resolveEnvironment(task, {
  repoPath: repo,
  sandbox: "docker",
  imageTemplate: null,
  ...(process.env.FIXPOINT_BASE_IMAGE ? { baseImage: process.env.FIXPOINT_BASE_IMAGE } : {}),
  log,
});
console.log(
  `repository ${values["repo-name"]} at ${commit.slice(0, 12)}; image ${plan.image}; test command: ${plan.testCommand}`,
);
console.log(`change: ${values.file}: ${values.function} (one statement added)\n`);

async function gateRun(label: string, gate: Partial<GateSettings>, turns: number, ms: number, cache: string) {
  const slug = label.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "");
  const runDir = join(work, slug);
  const t0 = performance.now();
  const out = await solveTask({
    runId: `bench-gate-${slug}`,
    task: task.task,
    repoPath: repo,
    model: await slowModel(script(turns), ms),
    sandbox: "docker",
    docker: { image: plan.image! },
    runDir,
    budget: { maxSteps: turns + 5, maxTimeMs: 4 * 3600_000 },
    ...(plan.testCommand ? { testCommand: plan.testCommand } : {}),
    ...(plan.framework ? { testFramework: plan.framework } : {}),
    testGate: true,
    gate: { fullBudgetMs: 4 * 3600_000, ...gate },
    baselineCache: { dir: cache, repo: values["repo-name"]! },
    commandTimeoutMs: 3600_000,
    log,
  });
  const wall = performance.now() - t0;
  const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
  const g = (traj.steps as Array<{ gate?: GateRecord }>).find((s) => s.gate)?.gate;
  if (!g) throw new Error(`${label}: no gate ran (${out.status}: ${out.error ?? ""})`);
  const c = g.counts ?? { passed: 0, failed: 0, skipped: 0, error: 0 };
  const tests = c.passed + c.failed + c.skipped + c.error;
  console.log(
    `${label.padEnd(28)} gate ${(g.durationMs! / 1000).toFixed(1).padStart(8)} s · ${String(g.selection?.length ?? "all").padStart(4)} selected · ${String(tests).padStart(6)} tests run · baseline ${(g.baseline!.runMs / 1000).toFixed(1)} s run, ${(g.baseline!.hiddenMs / 1000).toFixed(1)} s hidden · status ${out.status} · run ${(wall / 1000).toFixed(0)} s`,
  );
  return { g, tests, wall };
}

const related = await gateRun("related, no model time", { scope: "related" }, 0, 0, join(work, "cache-a"));
const hidden = await gateRun(
  `related, ${turnsBeforeEdit} turns × ${turnMs / 1000} s`,
  { scope: "related" },
  turnsBeforeEdit,
  turnMs,
  join(work, "cache-b"),
);
let full: Awaited<ReturnType<typeof gateRun>> | undefined;
if (!values["no-full"]) full = await gateRun("full suite", { scope: "full" }, 0, 0, join(work, "cache-c"));

console.log("");
const r = related.g.durationMs!;
if (full) {
  console.log(
    `gate wall time, graph selection vs the whole suite (baseline and run side by side): ${(r / 1000).toFixed(1)} s vs ${(full.g.durationMs! / 1000).toFixed(1)} s = ${(r / full.g.durationMs!).toFixed(4)}× (${(full.g.durationMs! / r).toFixed(0)}× faster); tests run ${related.tests} vs ${full.tests}`,
  );
}
const b = hidden.g.baseline!;
console.log(
  `baseline hidden behind ${turnsBeforeEdit} model turns of ${turnMs / 1000} s: ${(b.hiddenMs / 1000).toFixed(1)} s of ${(b.runMs / 1000).toFixed(1)} s = ${b.runMs ? ((100 * b.hiddenMs) / b.runMs).toFixed(0) : "0"}%; gate ${(hidden.g.durationMs! / 1000).toFixed(1)} s against ${(r / 1000).toFixed(1)} s with a cold baseline and no model time = ${(hidden.g.durationMs! / r).toFixed(2)}×`,
);
