/**
 * The raw records of a task file by instance id: a job carries the record itself, and the worker
 * parses it as `suite run` does (task/swebench.ts), so both ends agree on what the task is.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { errorMessage, UsageError } from "../common/index.js";
import { parseTaskRecord } from "../task/index.js";

export interface RawRecords {
  byId: Map<string, Record<string, unknown>>;
  baseDir: string;
}

export function readRawRecords(path: string): RawRecords {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read task file ${path}: ${errorMessage(e)}`);
  }
  const baseDir = dirname(resolve(path));
  const raws: unknown[] = [];
  if (text.trimStart().startsWith("[")) {
    try {
      const list = JSON.parse(text) as unknown;
      if (Array.isArray(list)) raws.push(...list);
    } catch {
      // loadTaskFile has reported it
    }
  } else {
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        raws.push(JSON.parse(line));
      } catch {
        // reported by loadTaskFile as a malformed line
      }
    }
  }
  const byId = new Map<string, Record<string, unknown>>();
  for (const raw of raws) {
    try {
      const t = parseTaskRecord(raw, path, baseDir);
      byId.set(t.instanceId, raw as Record<string, unknown>);
    } catch {
      // a malformed record: reported by loadTaskFile
    }
  }
  return { byId, baseDir };
}
