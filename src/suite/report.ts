/**
 * The run summary (`summary.json`, close to SWE-bench's report schema, plus patch_failed) and
 * `report.html`: one self-contained page (inline SVG, no scripts, no CDN) with resolved by
 * repository and, when the run's folders are found next to the predictions, the distributions
 * of cost, steps and time.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TaskReport } from "./eval.js";
import { taskDirName } from "./util.js";

export interface EvalSummary {
  schema_version: 2;
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  patch_failed_instances: number;
  completed_ids: string[];
  incomplete_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  empty_patch_ids: string[];
  error_ids: string[];
  patch_failed_ids: string[];
  /** Prediction ids that name no task. */
  unknown_prediction_ids: string[];
  error_reasons: Record<string, number>;
}

const sorted = (xs: string[]) => [...xs].sort();

/**
 * Counts as SWE-bench does: completed = graded (resolved + unresolved, patch failures included
 * as unresolved); empty patches and errors are not completed; incomplete = tasks without a graded
 * report (no prediction, or interrupted).
 */
export function summarize(
  allIds: string[],
  submitted: string[],
  reports: TaskReport[],
  unknown: string[],
): EvalSummary {
  const by = (s: TaskReport["status"]) => reports.filter((r) => r.status === s).map((r) => r.instance_id);
  const resolved = by("resolved");
  const patchFailed = by("patch_failed");
  const unresolved = [...by("unresolved"), ...patchFailed];
  const completed = [...resolved, ...unresolved];
  const reported = new Set(reports.map((r) => r.instance_id));
  const errorReasons: Record<string, number> = {};
  for (const r of reports)
    if (r.status === "error")
      errorReasons[r.reason ?? "error"] = (errorReasons[r.reason ?? "error"] ?? 0) + 1;
  return {
    schema_version: 2,
    total_instances: allIds.length,
    submitted_instances: submitted.length,
    completed_instances: completed.length,
    resolved_instances: resolved.length,
    unresolved_instances: unresolved.length,
    empty_patch_instances: by("empty_patch").length,
    error_instances: by("error").length,
    patch_failed_instances: patchFailed.length,
    completed_ids: sorted(completed),
    incomplete_ids: sorted(allIds.filter((id) => !reported.has(id))),
    submitted_ids: sorted(submitted),
    resolved_ids: sorted(resolved),
    unresolved_ids: sorted(unresolved),
    empty_patch_ids: sorted(by("empty_patch")),
    error_ids: sorted(by("error")),
    patch_failed_ids: sorted(patchFailed),
    unknown_prediction_ids: sorted(unknown),
    error_reasons: errorReasons,
  };
}

/** Cost, steps and time of one run, read from `suite run`'s result.json next to the predictions. */
export interface RunFigures {
  instance_id: string;
  costUsd: number;
  steps: number;
  elapsedMs: number;
}

export function readRunFigures(runsDir: string, ids: string[]): RunFigures[] {
  const out: RunFigures[] = [];
  for (const id of ids) {
    const p = join(runsDir, taskDirName(id), "result.json");
    if (!existsSync(p)) continue;
    try {
      const r = JSON.parse(readFileSync(p, "utf8")) as {
        costUsd?: number;
        steps?: number;
        elapsedMs?: number;
      };
      if (typeof r.steps === "number") {
        out.push({ instance_id: id, costUsd: r.costUsd ?? 0, steps: r.steps, elapsedMs: r.elapsedMs ?? 0 });
      }
    } catch {
      // a torn or foreign file: leave it out of the charts
    }
  }
  return out;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** Horizontal stacked bars: resolved / other per repository. */
function repoChart(reports: TaskReport[]): string {
  const repos = new Map<string, { resolved: number; total: number }>();
  for (const r of reports) {
    const e = repos.get(r.repo) ?? { resolved: 0, total: 0 };
    e.total++;
    if (r.resolved) e.resolved++;
    repos.set(r.repo, e);
  }
  const rows = [...repos].sort((a, b) => a[0].localeCompare(b[0]));
  const max = Math.max(1, ...rows.map(([, e]) => e.total));
  const w = 360;
  const h = 22;
  const bars = rows
    .map(([repo, e], i) => {
      const y = i * h + 4;
      const tw = (e.total / max) * w;
      const rw = (e.resolved / max) * w;
      return `<text x="0" y="${y + 14}" font-size="12">${esc(repo)}</text>
<rect x="200" y="${y}" width="${tw.toFixed(1)}" height="16" fill="#e5e7eb"/>
<rect x="200" y="${y}" width="${rw.toFixed(1)}" height="16" fill="#16a34a"/>
<text x="${(206 + tw).toFixed(1)}" y="${y + 13}" font-size="11">${e.resolved}/${e.total}</text>`;
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${200 + w + 60}" height="${rows.length * h + 8}" role="img" aria-label="resolved by repository">${bars}</svg>`;
}

/** A histogram of `values` in `bins` equal-width bins. */
export function histogram(values: number[], bins = 10): { from: number; to: number; count: number }[] {
  if (!values.length) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out = Array.from({ length: hi > lo ? bins : 1 }, (_, i) => ({
    from: lo + i * width,
    to: lo + (i + 1) * width,
    count: 0,
  }));
  for (const v of values) {
    const i = Math.min(out.length - 1, Math.floor((v - lo) / width));
    out[i]!.count++;
  }
  return out;
}

function histogramChart(title: string, values: number[], fmt: (n: number) => string): string {
  const hist = histogram(values);
  if (!hist.length) return "";
  const max = Math.max(...hist.map((b) => b.count));
  const bw = 36;
  const ch = 120;
  const bars = hist
    .map((b, i) => {
      const bh = (b.count / max) * ch;
      const x = i * (bw + 4) + 4;
      return `<rect x="${x}" y="${(ch - bh + 16).toFixed(1)}" width="${bw}" height="${bh.toFixed(1)}" fill="#2563eb"><title>${esc(fmt(b.from))}–${esc(fmt(b.to))}: ${b.count}</title></rect>
<text x="${x + bw / 2}" y="${(ch - bh + 12).toFixed(1)}" font-size="10" text-anchor="middle">${b.count}</text>`;
    })
    .join("\n");
  const width = hist.length * (bw + 4) + 8;
  return `<figure><figcaption>${esc(title)} (n=${values.length}, ${esc(fmt(Math.min(...values)))} – ${esc(fmt(Math.max(...values)))})</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${ch + 36}" role="img" aria-label="${esc(title)}">${bars}
<text x="4" y="${ch + 32}" font-size="10">${esc(fmt(hist[0]!.from))}</text><text x="${width - 4}" y="${ch + 32}" font-size="10" text-anchor="end">${esc(fmt(hist[hist.length - 1]!.to))}</text></svg></figure>`;
}

export function renderHtmlReport(summary: EvalSummary, reports: TaskReport[], figures: RunFigures[]): string {
  const pct = summary.total_instances
    ? ((100 * summary.resolved_instances) / summary.total_instances).toFixed(1)
    : "0.0";
  const rows = [...reports]
    .sort((a, b) => a.instance_id.localeCompare(b.instance_id))
    .map(
      (r) =>
        `<tr class="${r.status}"><td>${esc(r.instance_id)}</td><td>${esc(r.repo)}</td><td>${r.status}</td><td>${esc(r.reason ?? "")}</td><td>${esc(r.patch_applied_method ?? "")}</td><td>${r.tests_status ? `${r.tests_status.FAIL_TO_PASS.success.length}/${r.tests_status.FAIL_TO_PASS.success.length + r.tests_status.FAIL_TO_PASS.failure.length}` : ""}</td><td>${r.tests_status ? `${r.tests_status.PASS_TO_PASS.success.length}/${r.tests_status.PASS_TO_PASS.success.length + r.tests_status.PASS_TO_PASS.failure.length}` : ""}</td><td>${(r.timing_ms.total / 1000).toFixed(1)}</td></tr>`,
    )
    .join("\n");
  const charts = figures.length
    ? [
        histogramChart(
          "cost per task (USD)",
          figures.map((f) => f.costUsd),
          (n) => `$${n.toFixed(3)}`,
        ),
        histogramChart(
          "steps per task",
          figures.map((f) => f.steps),
          (n) => n.toFixed(0),
        ),
        histogramChart(
          "time per task (s)",
          figures.map((f) => f.elapsedMs / 1000),
          (n) => `${n.toFixed(1)}s`,
        ),
      ].join("\n")
    : "<p>No run folders (result.json) next to the predictions: no cost, step or time charts.</p>";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fixpoint suite report</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#111}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;font-size:13px}
tr.resolved td:nth-child(3){color:#16a34a}tr.error td:nth-child(3),tr.patch_failed td:nth-child(3){color:#dc2626}figure{display:inline-block;margin:0 2em 1em 0}figcaption{font-size:13px}</style></head>
<body><h1>fixpoint suite report</h1>
<p><b>${summary.resolved_instances}</b> of ${summary.total_instances} resolved (${pct}%) ·
${summary.unresolved_instances} unresolved (${summary.patch_failed_instances} patch failed) ·
${summary.empty_patch_instances} empty patch · ${summary.error_instances} error · ${summary.incomplete_ids.length} incomplete</p>
<h2>Resolved by repository</h2>${repoChart(reports)}
<h2>Runs</h2>${charts}
<h2>Tasks</h2><table><tr><th>instance</th><th>repository</th><th>status</th><th>reason</th><th>patch applied by</th><th>FAIL_TO_PASS</th><th>PASS_TO_PASS</th><th>eval s</th></tr>
${rows}</table></body></html>
`;
}
