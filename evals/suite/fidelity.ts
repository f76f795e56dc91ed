/**
 * Harness fidelity on real SWE-bench tasks: grades every gold patch (must be resolved) and every
 * empty patch with its tests run (must not be) for the tasks of the given repositories, from
 * local mirrors, with the recipes of environments/recipes/. Prints a Markdown table.
 *
 *   npx tsx evals/suite/fidelity.ts --mirror /work/.mirror --out /tmp/fidelity \
 *     [--dataset ../shared/datasets/swe-bench-lite-test.json] [--repos psf/requests,pallets/flask] [--workers 2]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../../src/log/index.js";
import { evaluatePredictions, type TaskReport } from "../../src/suite/index.js";
import { loadTaskFile } from "../../src/task/swebench.js";

const { values } = parseArgs({
  options: {
    mirror: { type: "string" },
    out: { type: "string" },
    dataset: {
      type: "string",
      default: resolve(import.meta.dirname, "../../../shared/datasets/swe-bench-lite-test.json"),
    },
    repos: { type: "string", default: "psf/requests,pallets/flask" },
    workers: { type: "string", default: "2" },
    sandbox: { type: "string", default: "docker" },
  },
});
if (!values.mirror || !values.out) {
  console.error("usage: fidelity.ts --mirror DIR --out DIR [--dataset FILE] [--repos a/b,c/d] [--workers N]");
  process.exit(2);
}
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const repos = new Set(values.repos!.split(","));
const records = (JSON.parse(readFileSync(values.dataset!, "utf8")) as Array<Record<string, string>>).filter(
  (r) => repos.has(r.repo!),
);
const tasksPath = join(out, "tasks.jsonl");
writeFileSync(tasksPath, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
const { tasks } = loadTaskFile(tasksPath);
const log = createLogger({ file: join(out, "fidelity.log"), pretty: false });
const common = {
  tasks,
  workers: Number(values.workers),
  sandbox: values.sandbox as "docker" | "local",
  mirror: resolve(values.mirror),
  cacheDir: join(out, "cache"),
  timeoutMs: 15 * 60_000,
  imageTemplate: null,
  ...(process.env.FIXPOINT_BASE_IMAGE ? { baseImage: process.env.FIXPOINT_BASE_IMAGE } : {}),
  log,
};
const t0 = performance.now();
const gold = await evaluatePredictions({
  ...common,
  outDir: join(out, "gold"),
  predictions: tasks.map((t) => ({
    instance_id: t.instanceId,
    model_name_or_path: "gold",
    model_patch: t.goldPatch,
  })),
});
const empty = await evaluatePredictions({
  ...common,
  outDir: join(out, "empty"),
  gradeEmpty: true,
  predictions: tasks.map((t) => ({
    instance_id: t.instanceId,
    model_name_or_path: "empty",
    model_patch: "",
  })),
});
const byId = (rs: TaskReport[]) => new Map(rs.map((r) => [r.instance_id, r]));
const g = byId(gold.reports);
const e = byId(empty.reports);
const frac = (r: TaskReport | undefined, k: "FAIL_TO_PASS" | "PASS_TO_PASS") => {
  const s = r?.tests_status?.[k];
  return s ? `${s.success.length}/${s.success.length + s.failure.length}` : "–";
};
console.log(
  "| task | version | gold patch | FAIL_TO_PASS | PASS_TO_PASS | empty patch (tests run) | empty: FAIL_TO_PASS passing | gold: failing tests |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const t of [...tasks].sort((a, b) => a.instanceId.localeCompare(b.instanceId))) {
  const gr = g.get(t.instanceId);
  const er = e.get(t.instanceId);
  const failing = gr?.tests_status
    ? [...gr.tests_status.FAIL_TO_PASS.failure, ...gr.tests_status.PASS_TO_PASS.failure]
        .map((x) => x.split("::").pop())
        .join(", ")
    : (gr?.reason ?? "");
  const eStatus =
    er?.reason === "empty_patch"
      ? "unresolved"
      : er?.reason === "empty_patch_tests_pass"
        ? "**tests pass**"
        : `${er?.status} (${er?.reason})`;
  console.log(
    `| ${t.instanceId} | ${t.version ?? ""} | ${gr?.status ?? "–"} | ${frac(gr, "FAIL_TO_PASS")} | ${frac(gr, "PASS_TO_PASS")} | ${eStatus} | ${frac(er, "FAIL_TO_PASS")} | ${failing} |`,
  );
}
console.log(
  `\n${gold.reports.filter((r) => r.resolved).length}/${tasks.length} gold resolved; ${empty.reports.filter((r) => r.reason === "empty_patch").length}/${tasks.length} empty unresolved; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
