/**
 * Multi-SWE-bench here: every task of `../shared/datasets/multi-swe-bench/*.jsonl` graded by the
 * real `fixpoint suite eval` in Docker, repositories from local mirrors. Phases:
 * - `gold`: the record's fix patch as the prediction — it must be resolved; and, test by test,
 *   the statuses of the run here must equal the record's official gold run (`fix_patch_result`)
 *   for every test the record lists (f2p, p2p, s2p, n2p);
 * - `empty`: the empty patch graded anyway (`--grade-empty`: the test patch alone) — never resolved;
 * - `oracle`: the oracle scripts (`evals/suite/make-oracle-script.ts`: the gold patch applied
 *   through the agent's own tools) through `suite run` with the test gate on, then `suite eval` —
 *   resolved wherever the gold is.
 * Prints Markdown tables per repository with every exception, and writes `multi-swe-bench.json`.
 * Phases already graded are read back, not run again.
 *
 *   npx tsx evals/multi-swe-bench/run.ts --mirror /work/.mirror --out /tmp/mswe \
 *     [--repos iamkun/dayjs,jqlang/jq] [--phases gold,empty,oracle] [--workers 2] [--instances REGEX]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { goldStatusDifferences, type MultiSweReport } from "../../src/suite/grade-multi.js";
import { loadTaskFile, type SuiteTask } from "../../src/task/index.js";
import { gradeWithCli, ROOT, readVerdicts, type Verdict, writeJsonl } from "../common/suite-eval.js";

const { values } = parseArgs({
  options: {
    mirror: { type: "string" },
    out: { type: "string" },
    data: { type: "string", default: resolve(ROOT, "../shared/datasets/multi-swe-bench") },
    repos: { type: "string" },
    phases: { type: "string", default: "gold,empty" },
    workers: { type: "string", default: "2" },
    timeout: { type: "string", default: "30m" },
    instances: { type: "string" },
  },
});
if (!values.mirror || !values.out) {
  console.error(
    "usage: evals/multi-swe-bench/run.ts --mirror DIR --out DIR [--repos a/b] [--phases gold,empty,oracle]",
  );
  process.exit(2);
}
const OUT = resolve(values.out);
mkdirSync(OUT, { recursive: true });

// One task file of the chosen records, as they are (the suite reads Multi-SWE-bench records).
const repos = values.repos ? new Set(values.repos.split(",")) : null;
const only = values.instances ? new RegExp(values.instances) : null;
const lines: string[] = [];
for (const f of readdirSync(values.data)
  .filter((f) => f.endsWith(".jsonl"))
  .sort()) {
  for (const l of readFileSync(join(values.data, f), "utf8").split("\n").filter(Boolean)) {
    const r = JSON.parse(l) as { org: string; repo: string; instance_id: string };
    if ((!repos || repos.has(`${r.org}/${r.repo}`)) && (!only || only.test(r.instance_id))) lines.push(l);
  }
}
const TASKS = join(OUT, "tasks.jsonl");
writeFileSync(TASKS, `${lines.join("\n")}\n`);
const loaded = loadTaskFile(TASKS);
if (loaded.errors.length)
  throw new Error(`${TASKS}: ${loaded.errors[0]!.where}: ${loaded.errors[0]!.message}`);
const tasks = loaded.tasks;
console.error(`${tasks.length} tasks of ${new Set(tasks.map((t) => t.repoName)).size} repositories`);

const grading = {
  out: OUT,
  tasks: TASKS,
  mirror: values.mirror,
  workers: values.workers,
  timeout: values.timeout,
};
const phases = new Set(values.phases.split(","));
const report: string[] = [];
const result: Record<string, unknown> = { tasks: tasks.length };

/** The listed tests of a gold run here whose status differs from the record's official gold run. */
function testAgreement(
  t: SuiteTask,
  dir: string,
): { listed: number; differ: ReturnType<typeof goldStatusDifferences> } | null {
  const p = join(dir, t.instanceId, "report.json");
  if (!existsSync(p) || !t.multiSwe) return null;
  const r = JSON.parse(readFileSync(p, "utf8")) as MultiSweReport;
  const e = t.multiSwe;
  const listed = new Set([...e.f2p, ...e.p2p, ...e.s2p, ...e.n2p]).size;
  return { listed, differ: goldStatusDifferences(e, r.fix_patch_result) };
}

const gold = phases.has("gold")
  ? gradeWithCli(
      "gold",
      tasks.map((t) => ({ instance_id: t.instanceId, model_name_or_path: "gold", model_patch: t.goldPatch })),
      grading,
    )
  : readVerdicts(join(OUT, "gold"));
const empty = phases.has("empty")
  ? gradeWithCli(
      "empty",
      tasks.map((t) => ({ instance_id: t.instanceId, model_name_or_path: "empty", model_patch: "" })),
      { ...grading, extra: ["--grade-empty"] },
    )
  : new Map<string, Verdict>();

// Oracle: the scripts, a real `suite run` with the gate on (scripted model), then `suite eval`.
let oracle = new Map<string, Verdict>();
if (phases.has("oracle")) {
  const scripts = join(OUT, "oracle-scripts");
  const runs = join(OUT, "oracle-runs");
  const cli = (args: string[]) => {
    try {
      execFileSync(process.execPath, [join(ROOT, "bin/fixpoint.js"), ...args], {
        stdio: ["ignore", "ignore", "inherit"],
      });
    } catch {
      // non-zero when some task is not done or not resolved; the reports say which
    }
  };
  const started = Date.now();
  execFileSync(
    "npx",
    [
      "tsx",
      join(ROOT, "evals/suite/make-oracle-script.ts"),
      "--tasks",
      TASKS,
      "--mirror",
      values.mirror,
      "--out",
      scripts,
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  cli([
    "suite",
    "run",
    join(scripts, "tasks.jsonl"),
    "--model",
    "scripted:{script}",
    "--model-name",
    "oracle",
    "--mirror",
    values.mirror,
    "--out",
    runs,
    "--workers",
    values.workers,
    "--image-template",
    "none",
    // An oracle replays a whole gold patch, one editor call a hunk: a large patch (dayjs-569's
    // new plugin, 58 calls) needs more turns than an agent's default budget of 50.
    "--max-steps",
    "400",
  ]);
  console.error(`oracle run: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  const preds = join(runs, "predictions.jsonl");
  if (existsSync(preds)) {
    const rows = readFileSync(preds, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    oracle = gradeWithCli("oracle-eval", rows, { ...grading, tasks: join(scripts, "tasks.jsonl") });
  }
  writeJsonl(
    join(OUT, "oracle-verdicts.jsonl"),
    [...oracle].map(([id, v]) => ({ instance_id: id, ...v })),
  );
}

const perRepo = new Map<string, SuiteTask[]>();
for (const t of tasks) perRepo.set(t.repoName, [...(perRepo.get(t.repoName) ?? []), t]);
report.push(
  "| repository | tasks | gold resolved | listed tests as official (gold) | empty not resolved | oracle resolved |",
  "|---|---:|---:|---:|---:|---:|",
);
const exceptions: string[] = [];
const perTest: Record<string, unknown> = {};
for (const [repo, list] of [...perRepo].sort()) {
  const g = list.filter((t) => gold.get(t.instanceId)?.resolved).length;
  let listed = 0;
  let same = 0;
  for (const t of list) {
    const a = testAgreement(t, join(OUT, "gold"));
    if (!a) continue;
    listed += a.listed;
    same += a.listed - a.differ.length;
    if (a.differ.length) perTest[t.instanceId] = a.differ;
  }
  const e = list.filter((t) => empty.has(t.instanceId) && !empty.get(t.instanceId)!.resolved).length;
  const o = list.filter((t) => oracle.get(t.instanceId)?.resolved).length;
  report.push(
    `| ${repo} | ${list.length} | ${gold.size ? g : "–"} | ${listed ? `${same}/${listed}` : "–"} | ${empty.size ? e : "–"} | ${oracle.size ? o : "–"} |`,
  );
  for (const t of list) {
    const v = gold.get(t.instanceId);
    if (v && !v.resolved)
      exceptions.push(
        `- ${t.instanceId} gold: ${v.status}${v.reason ? ` (${v.reason})` : ""}${v.error ? `: ${v.error.slice(0, 200)}` : ""}`,
      );
    const ev = empty.get(t.instanceId);
    if (ev?.resolved) exceptions.push(`- ${t.instanceId} empty patch resolved (grader or task defect)`);
    const ov = oracle.get(t.instanceId);
    if (phases.has("oracle") && v?.resolved && !ov?.resolved)
      exceptions.push(
        `- ${t.instanceId} oracle: ${ov ? `${ov.status}${ov.reason ? ` (${ov.reason})` : ""}` : "no prediction"}`,
      );
  }
}
if (exceptions.length) report.push("", "Exceptions:", "", ...exceptions);
const differing = Object.entries(perTest);
if (differing.length) {
  report.push("", "Listed tests whose gold status here differs from the official one:", "");
  for (const [id, d] of differing) {
    const list = d as { test: string; expected: string; here: string }[];
    report.push(
      `- ${id}: ${list
        .slice(0, 5)
        .map((x) => `\`${x.test}\` ${x.expected}→${x.here}`)
        .join(", ")}${list.length > 5 ? ` … (${list.length})` : ""}`,
    );
  }
}
result.gold = Object.fromEntries(gold);
result.empty = Object.fromEntries(empty);
result.oracle = Object.fromEntries(oracle);
result.test_differences = perTest;
writeFileSync(join(OUT, "multi-swe-bench.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(report.join("\n"));
