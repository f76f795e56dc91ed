/**
 * What the evaluation scripts share: grading predictions with the real `fixpoint suite eval` CLI
 * (in Docker, repositories from local mirrors) and reading its per-task verdicts back.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

/** What one graded instance came to, from `suite eval`'s per-task report. */
export interface Verdict {
  status: string;
  reason?: string;
  error?: string;
  resolved: boolean;
}

export function writeJsonl(path: string, rows: unknown[]): void {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
}

/** Per-task verdicts of a graded folder: fixpoint's own per-task report in each task folder. */
export function readVerdicts(dir: string): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  if (!existsSync(dir)) return out;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const p = join(dir, d.name, "fixpoint-report.json");
    if (!existsSync(p)) continue;
    const r = JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
    if (typeof r.instance_id !== "string" || typeof r.status !== "string") continue;
    out.set(r.instance_id, {
      status: r.status,
      resolved: r.resolved === true,
      ...(typeof r.reason === "string" ? { reason: r.reason } : {}),
      ...(typeof r.error === "string" ? { error: r.error } : {}),
    });
  }
  return out;
}

export interface GradeOptions {
  /** Folder of the phases; phase `name` grades into OUT/name. */
  out: string;
  tasks: string;
  mirror: string;
  workers: string;
  timeout: string;
  /** More `suite eval` flags. */
  extra?: string[];
}

/**
 * Grades `preds` with `fixpoint suite eval` into OUT/name, skipping instances already graded there
 * (except infrastructure errors, graded again).
 */
export function gradeWithCli(name: string, preds: Prediction[], o: GradeOptions): Map<string, Verdict> {
  const dir = join(o.out, name);
  const done = readVerdicts(dir);
  const todo = preds.filter((p) => !done.has(p.instance_id) || done.get(p.instance_id)!.reason === "infra");
  if (todo.length) {
    const file = join(o.out, `${name}.jsonl`);
    writeJsonl(file, todo);
    const started = Date.now();
    console.error(`${name}: grading ${todo.length} prediction(s)…`);
    try {
      execFileSync(
        process.execPath,
        [
          join(ROOT, "bin/fixpoint.js"),
          "suite",
          "eval",
          file,
          "--tasks",
          o.tasks,
          "--out",
          dir,
          "--mirror",
          o.mirror,
          "--sandbox",
          "docker",
          "--workers",
          o.workers,
          "--timeout",
          o.timeout,
          "--image-template",
          "none",
          ...(o.extra ?? []),
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
    } catch {
      // suite eval exits non-zero when a task is not resolved; the reports say what happened.
    }
    console.error(`${name}: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  }
  return readVerdicts(dir);
}
