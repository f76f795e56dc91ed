/**
 * The run summary (`summary.json`: SWE-bench's report schema, plus patch_failed and counts per
 * repository) and `report.html`: one self-contained page (inline SVG, no scripts, no CDN) with
 * resolved by repository and, when the run's folders are found next to the predictions, the
 * distributions of cost, steps and time. The page is the Liquid template `report.html.liquid`; this file
 * computes what it shows.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Liquid } from "liquidjs";
import type { TaskReport } from "./eval.js";
import { taskDirName } from "./util.js";

/** One repository's line of the summary; unresolved includes patch_failed, as in the totals. */
export interface RepoCounts {
  total: number;
  submitted: number;
  resolved: number;
  unresolved: number;
  empty_patch: number;
  error: number;
  patch_failed: number;
}

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
  /** By repository (owner/name), sorted by name. */
  per_repo: Record<string, RepoCounts>;
}

const sorted = (xs: string[]) => [...xs].sort();

/**
 * Counts as SWE-bench does: completed = graded (resolved + unresolved, patch failures included
 * as unresolved); empty patches and errors are not completed; incomplete = tasks without a graded
 * report (no prediction, or interrupted). `repoOf` names each task's repository (the reports
 * name those that were graded).
 */
export function summarize(
  allIds: string[],
  submitted: string[],
  reports: TaskReport[],
  unknown: string[],
  repoOf: ReadonlyMap<string, string> = new Map(),
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
    per_repo: perRepo(allIds, submitted, reports, repoOf),
  };
}

function perRepo(
  allIds: string[],
  submitted: string[],
  reports: TaskReport[],
  repoOf: ReadonlyMap<string, string>,
): Record<string, RepoCounts> {
  const graded = new Map(reports.map((r) => [r.instance_id, r]));
  const repo = (id: string) => repoOf.get(id) ?? graded.get(id)?.repo ?? "unknown";
  const counts = new Map<string, RepoCounts>();
  const entry = (id: string) => {
    const name = repo(id);
    let c = counts.get(name);
    if (!c) {
      c = { total: 0, submitted: 0, resolved: 0, unresolved: 0, empty_patch: 0, error: 0, patch_failed: 0 };
      counts.set(name, c);
    }
    return c;
  };
  for (const id of allIds) entry(id).total++;
  for (const id of submitted) entry(id).submitted++;
  for (const r of reports) {
    const c = entry(r.instance_id);
    if (r.status === "patch_failed") {
      c.patch_failed++;
      c.unresolved++;
    } else c[r.status]++;
  }
  return Object.fromEntries([...counts].sort((a, b) => a[0].localeCompare(b[0])));
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
function repoChart(reports: TaskReport[]) {
  const repos = new Map<string, { resolved: number; total: number }>();
  for (const r of reports) {
    const e = repos.get(r.repo) ?? { resolved: 0, total: 0 };
    e.total++;
    if (r.resolved) e.resolved++;
    repos.set(r.repo, e);
  }
  const entries = [...repos].sort((a, b) => a[0].localeCompare(b[0]));
  const max = Math.max(1, ...entries.map(([, e]) => e.total));
  const w = 360;
  const h = 22;
  const rows = entries.map(([repo, e], i) => {
    const y = i * h + 4;
    const tw = (e.total / max) * w;
    return {
      repo,
      resolved: e.resolved,
      total: e.total,
      y,
      label_y: y + 14,
      total_width: tw.toFixed(1),
      resolved_width: ((e.resolved / max) * w).toFixed(1),
      count_x: (206 + tw).toFixed(1),
      count_y: y + 13,
    };
  });
  return { width: 200 + w + 60, height: entries.length * h + 8, rows };
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

function histogramChart(title: string, values: number[], fmt: (n: number) => string) {
  const hist = histogram(values);
  if (!hist.length) return null;
  const max = Math.max(...hist.map((b) => b.count));
  const bw = 36;
  const ch = 120;
  const bars = hist.map((b, i) => {
    const bh = (b.count / max) * ch;
    const x = i * (bw + 4) + 4;
    return {
      x,
      y: (ch - bh + 16).toFixed(1),
      width: bw,
      height: bh.toFixed(1),
      from: fmt(b.from),
      to: fmt(b.to),
      count: b.count,
      count_x: x + bw / 2,
      count_y: (ch - bh + 12).toFixed(1),
    };
  });
  const width = hist.length * (bw + 4) + 8;
  return {
    title,
    n: values.length,
    min: fmt(Math.min(...values)),
    max: fmt(Math.max(...values)),
    width,
    height: ch + 36,
    bars,
    axis_y: ch + 32,
    first: fmt(hist[0]!.from),
    last: fmt(hist[hist.length - 1]!.to),
    last_x: width - 4,
  };
}

const passed = (t: { success: string[]; failure: string[] }) =>
  `${t.success.length}/${t.success.length + t.failure.length}`;

/** The template's variables: every string in them is data, escaped on output. */
function reportView(summary: EvalSummary, reports: TaskReport[], figures: RunFigures[]) {
  const histograms = figures.length
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
      ].filter((h) => h !== null)
    : [];
  const tasks = [...reports]
    .sort((a, b) => a.instance_id.localeCompare(b.instance_id))
    .map((r) => ({
      instance_id: r.instance_id,
      repo: r.repo,
      status: r.status,
      reason: r.reason ?? "",
      patch_applied_by: r.patch_applied_method ?? "",
      fail_to_pass: r.tests_status ? passed(r.tests_status.FAIL_TO_PASS) : "",
      pass_to_pass: r.tests_status ? passed(r.tests_status.PASS_TO_PASS) : "",
      eval_seconds: (r.timing_ms.total / 1000).toFixed(1),
    }));
  return {
    summary: {
      resolved: summary.resolved_instances,
      total: summary.total_instances,
      pct: summary.total_instances
        ? ((100 * summary.resolved_instances) / summary.total_instances).toFixed(1)
        : "0.0",
      unresolved: summary.unresolved_instances,
      patch_failed: summary.patch_failed_instances,
      empty_patch: summary.empty_patch_instances,
      error: summary.error_instances,
      incomplete: summary.incomplete_ids.length,
    },
    repos: repoChart(reports),
    repo_table: Object.entries(summary.per_repo).map(([repo, c]) => ({
      repo,
      ...c,
      pct: c.total ? ((100 * c.resolved) / c.total).toFixed(1) : "0.0",
    })),
    histograms,
    tasks,
  };
}

const TEMPLATE = "report.html.liquid";

/** fixpoint's package root: the nearest folder up from this module with fixpoint's package.json. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "fixpoint") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (dirname(dir) === dir) throw new Error(`fixpoint's package.json not found above ${from}`);
  }
}

/**
 * The folder holding report.html.liquid, under the package root: `src/suite/` in a checkout (run
 * through tsx, or from a dist/ that bin/fixpoint.js has checked is the build of these sources), else
 * `dist/suite/`, where the build copies it (an installed package ships dist/ and no src/).
 */
export function reportTemplateDir(root = packageRoot()): string {
  const dirs = [join(root, "src", "suite"), join(root, "dist", "suite")];
  const found = dirs.find((d) => existsSync(join(d, TEMPLATE)));
  if (!found) throw new Error(`${TEMPLATE} not found in ${dirs.join(" or ")}`);
  return found;
}

let engine: Liquid | undefined;

export function renderHtmlReport(summary: EvalSummary, reports: TaskReport[], figures: RunFigures[]): string {
  engine ??= new Liquid({
    root: reportTemplateDir(),
    strictFilters: true,
    strictVariables: true,
    outputEscape: (v: unknown) => esc(v === null || v === undefined ? "" : String(v)),
  });
  return engine.renderFileSync(TEMPLATE, reportView(summary, reports, figures));
}
