/**
 * `predictions.jsonl` in SWE-bench's format: one `{instance_id, model_name_or_path, model_patch}`
 * per line. Lines are appended one at a time through a single queue per file, each as one
 * `appendFile` of a whole line, so a reader (or an interrupted run) never sees half a record;
 * a torn last line left by a crash is dropped when the file is next opened for writing.
 */
import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { describeZodError, errorMessage, UsageError, writeFileAtomic } from "../common/index.js";
import type { TaskRecordError } from "../task/index.js";

export const PredictionSchema = z.object({
  instance_id: z.string().min(1),
  model_name_or_path: z.string().default("unknown"),
  model_patch: z
    .string()
    .nullish()
    .transform((v) => v ?? ""),
});
export type Prediction = z.infer<typeof PredictionSchema>;

export interface LoadedPredictions {
  /** The last prediction per instance id, in file order of first appearance. */
  predictions: Prediction[];
  errors: TaskRecordError[];
}

/** Parses a predictions file (JSONL, or a JSON list as SWE-bench also accepts). */
export function parsePredictions(text: string, source: string): LoadedPredictions {
  const byId = new Map<string, Prediction>();
  const errors: TaskRecordError[] = [];
  const add = (raw: unknown, where: string) => {
    const r = PredictionSchema.safeParse(raw);
    if (!r.success) errors.push({ where, message: describeZodError("prediction", r.error.issues) });
    else byId.set(r.data.instance_id, r.data);
  };
  if (text.trimStart().startsWith("[")) {
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`${source}: not valid JSON: ${errorMessage(e)}`);
    }
    if (!Array.isArray(list)) throw new UsageError(`${source}: expected a JSON list of predictions`);
    list.forEach((raw, i) => {
      add(raw, `index ${i}`);
    });
  } else {
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      try {
        add(JSON.parse(line), `line ${i + 1}`);
      } catch (e) {
        errors.push({ where: `line ${i + 1}`, message: `not valid JSON: ${errorMessage(e)}` });
      }
    });
  }
  return { predictions: [...byId.values()], errors };
}

export function loadPredictions(path: string): LoadedPredictions {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read predictions ${path}: ${errorMessage(e)}`);
  }
  return parsePredictions(text, path);
}

/** Appends predictions to one file, one whole line per write, in order. */
export class PredictionWriter {
  private queue: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /**
   * Opens `path` for appending: drops a torn last line and, when `drop` names instances being
   * run again, their earlier lines (rewritten atomically).
   */
  static async open(path: string, drop: ReadonlySet<string> = new Set()): Promise<PredictionWriter> {
    await mkdir(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      const lines = text.split("\n");
      const kept: string[] = [];
      let changed = !text.endsWith("\n") && text.length > 0;
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const p = JSON.parse(line) as { instance_id?: unknown };
          if (typeof p.instance_id === "string" && drop.has(p.instance_id)) {
            changed = true;
            continue;
          }
          kept.push(line);
        } catch {
          changed = true;
        }
      }
      if (changed) await writeFileAtomic(path, kept.map((l) => `${l}\n`).join(""));
    }
    return new PredictionWriter(path);
  }

  append(p: Prediction): Promise<void> {
    const line = `${JSON.stringify({ instance_id: p.instance_id, model_name_or_path: p.model_name_or_path, model_patch: p.model_patch })}\n`;
    const next = this.queue.then(() => appendFile(this.path, line));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every queued line is written. */
  flush(): Promise<void> {
    return this.queue;
  }
}
