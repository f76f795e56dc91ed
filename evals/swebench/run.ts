/**
 * Does `fixpoint suite eval` agree with SWE-bench's official verdicts? Three phases, each a real
 * `suite eval` run through the CLI, in Docker, with the repositories from local mirrors:
 * - `gold`: every task's gold patch as the prediction — it must be resolved. A task whose gold
 *   patch does not resolve here is an environment exception (its reason is printed);
 * - `empty`: the empty patch graded anyway (`--grade-empty`: the test patch alone at the base
 *   commit) — it must not be resolved (FAIL_TO_PASS must really fail);
 * - `systems`: the public predictions of real systems (`../shared/datasets/swe-bench-lite-
 *   predictions/<run>/preds.jsonl`) on the tasks whose gold patch resolved here, compared with the
 *   official resolved list of the same run (`resolved.json`).
 * Prints Markdown tables (per repository; the disagreements one by one) and writes
 * `agreement.json` in the output folder. Phases already graded are read back, not run again.
 *
 *   npx tsx evals/swebench/run.ts --mirror /work/.mirror --out /tmp/swe-eval \
 *     [--dataset ../shared/datasets/swe-bench-lite-test.json] [--repos sympy/sympy,psf/requests] \
 *     [--phases gold,empty,systems] [--systems DIR,DIR] [--workers 2] [--timeout 30m] [--instances REGEX]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gradeWithCli, type Prediction, ROOT, readVerdicts, type Verdict } from "../common/suite-eval.js";

const SHARED = resolve(ROOT, "../shared/datasets");

const { values } = parseArgs({
  options: {
    mirror: { type: "string" },
    out: { type: "string" },
    dataset: { type: "string", default: join(SHARED, "swe-bench-lite-test.json") },
    repos: { type: "string" },
    phases: { type: "string", default: "gold,empty,systems" },
    systems: {
      type: "string",
      default: [
        join(SHARED, "swe-bench-lite-predictions/20240402_sweagent_gpt4"),
        join(SHARED, "swe-bench-lite-predictions/20240530_autocoderover-v20240408"),
      ].join(","),
    },
    workers: { type: "string", default: "2" },
    timeout: { type: "string", default: "30m" },
    instances: { type: "string" },
  },
});
if (!values.mirror || !values.out) {
  console.error(
    "usage: evals/swebench/run.ts --mirror DIR --out DIR [--repos a/b,c/d] [--phases gold,empty,systems]",
  );
  process.exit(2);
}
const OUT = resolve(values.out);
mkdirSync(OUT, { recursive: true });

interface Task {
  instance_id: string;
  repo: string;
  patch: string;
}
const allTasks = JSON.parse(readFileSync(values.dataset, "utf8")) as Task[];
const repos = values.repos ? new Set(values.repos.split(",")) : null;
const only = values.instances ? new RegExp(values.instances) : null;
const tasks = allTasks.filter((t) => (!repos || repos.has(t.repo)) && (!only || only.test(t.instance_id)));
const repoOf = new Map(allTasks.map((t) => [t.instance_id, t.repo]));
console.error(`${tasks.length} tasks of ${new Set(tasks.map((t) => t.repo)).size} repositories`);

const gradeOptions = {
  out: OUT,
  tasks: values.dataset!,
  mirror: values.mirror!,
  workers: values.workers!,
  timeout: values.timeout!,
};
const grade = (name: string, preds: Prediction[], extra: string[] = []) =>
  gradeWithCli(name, preds, { ...gradeOptions, extra });

const phases = new Set(values.phases.split(","));
const byRepo = (ids: Iterable<string>) => {
  const m = new Map<string, string[]>();
  for (const id of ids) {
    const r = repoOf.get(id) ?? "?";
    m.set(r, [...(m.get(r) ?? []), id]);
  }
  return m;
};
const lines: string[] = [];
const result: Record<string, unknown> = { dataset: values.dataset, tasks: tasks.length };

// Gold: must resolve.
// (`systems` without `gold` reads the gold verdicts already in OUT/gold and grades no gold itself.)
const gold = phases.has("gold")
  ? grade(
      "gold",
      tasks.map((t) => ({ instance_id: t.instance_id, model_name_or_path: "gold", model_patch: t.patch })),
    )
  : readVerdicts(join(OUT, "gold"));
const goldResolved = new Set([...gold].filter(([, v]) => v.resolved).map(([id]) => id));

// Empty: graded anyway, must not resolve.
const empty = phases.has("empty")
  ? grade(
      "empty",
      tasks.map((t) => ({ instance_id: t.instance_id, model_name_or_path: "empty", model_patch: "" })),
      ["--grade-empty"],
    )
  : new Map<string, Verdict>();

lines.push("| repository | tasks | gold resolved | empty not resolved |", "|---|---:|---:|---:|");
for (const [repo, ids] of [...byRepo(tasks.map((t) => t.instance_id))].sort()) {
  const g = ids.filter((id) => gold.get(id)?.resolved).length;
  const e = ids.filter((id) => empty.has(id) && !empty.get(id)!.resolved).length;
  lines.push(`| ${repo} | ${ids.length} | ${gold.size ? g : "–"} | ${empty.size ? e : "–"} |`);
}
const goldMisses = tasks.filter((t) => gold.has(t.instance_id) && !gold.get(t.instance_id)!.resolved);
if (goldMisses.length) {
  lines.push("", "Gold not resolved here (environment exceptions):", "");
  for (const t of goldMisses) {
    const v = gold.get(t.instance_id)!;
    lines.push(`- ${t.instance_id}: ${v.status}${v.reason ? ` (${v.reason})` : ""}`);
  }
}
const emptyPasses = tasks.filter((t) => empty.get(t.instance_id)?.resolved);
if (emptyPasses.length)
  lines.push(
    "",
    `Empty patch resolved (grader or task defect): ${emptyPasses.map((t) => t.instance_id).join(", ")}`,
  );
result.gold = Object.fromEntries(gold);
result.empty = Object.fromEntries(empty);

// Systems: agreement with the official verdicts where the gold patch resolves here.
if (phases.has("systems")) {
  const systems: Record<string, unknown> = {};
  for (const sysDir of values.systems.split(",").filter(Boolean)) {
    const name = sysDir.split("/").filter(Boolean).pop()!;
    const official = new Set(JSON.parse(readFileSync(join(sysDir, "resolved.json"), "utf8")) as string[]);
    const preds = readFileSync(join(sysDir, "preds.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Prediction)
      .filter((p) => goldResolved.has(p.instance_id));
    const ours = grade(name, preds);
    const rows: string[] = [];
    const perRepo = new Map<string, { n: number; agree: number; oursYes: number; officialYes: number }>();
    const disagreements: Array<{ id: string; official: boolean; ours: Verdict }> = [];
    for (const p of preds) {
      const v = ours.get(p.instance_id);
      if (!v) continue;
      const off = official.has(p.instance_id);
      const repo = repoOf.get(p.instance_id)!;
      const c = perRepo.get(repo) ?? { n: 0, agree: 0, oursYes: 0, officialYes: 0 };
      c.n++;
      if (v.resolved === off) c.agree++;
      else disagreements.push({ id: p.instance_id, official: off, ours: v });
      if (v.resolved) c.oursYes++;
      if (off) c.officialYes++;
      perRepo.set(repo, c);
    }
    const total = [...perRepo.values()].reduce(
      (a, c) => ({
        n: a.n + c.n,
        agree: a.agree + c.agree,
        oursYes: a.oursYes + c.oursYes,
        officialYes: a.officialYes + c.officialYes,
      }),
      { n: 0, agree: 0, oursYes: 0, officialYes: 0 },
    );
    rows.push(
      "",
      `${name}: ${total.agree}/${total.n} verdicts agree (${total.n ? ((100 * total.agree) / total.n).toFixed(1) : "–"}%)`,
      "",
      "| repository | graded | agree | resolved (ours) | resolved (official) |",
      "|---|---:|---:|---:|---:|",
      ...[...perRepo]
        .sort()
        .map(([r, c]) => `| ${r} | ${c.n} | ${c.agree} | ${c.oursYes} | ${c.officialYes} |`),
    );
    for (const d of disagreements) {
      rows.push(
        `- ${d.id}: official ${d.official ? "resolved" : "unresolved"}, ours ${d.ours.status}${d.ours.reason ? ` (${d.ours.reason})` : ""}`,
      );
    }
    lines.push(...rows);
    systems[name] = { ...total, perRepo: Object.fromEntries(perRepo), disagreements };
  }
  result.systems = systems;
}

writeFileSync(join(OUT, "agreement.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(lines.join("\n"));
