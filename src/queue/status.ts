/**
 * `suite status --queue`: per suite, how many jobs wait, run, are done (completed, not yet
 * recorded by a coordinator) or failed, and which worker holds which task.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { connect, KEY_PREFIX, QUEUE_NAME } from "./connection.js";

async function scanKeys(r: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await r.scan(cursor, "MATCH", pattern, "COUNT", 500);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}

export interface SuiteQueueStatus {
  suite: string;
  kind: string;
  waiting: number;
  active: number;
  done: number;
  failed: number;
  running: { instance_id: string; worker: string; since?: string }[];
}

const STATES = ["waiting", "prioritized", "delayed", "active", "completed", "failed"] as const;

/** `run.<suite>.<instance>` → its parts (the instance may hold dots). */
function parseJobId(id: string): { kind: string; suite: string; instance: string } | null {
  const m = /^(run|eval)\.([\w-]+)\.(.+)$/.exec(id);
  return m ? { kind: m[1]!, suite: m[2]!, instance: m[3]!.replace(/%3A/g, ":") } : null;
}

export async function queueStatus(url: string): Promise<{ workers: string[]; suites: SuiteQueueStatus[] }> {
  const conn = connect(url, "fixpoint-status");
  const queue = new Queue(QUEUE_NAME, { connection: conn });
  try {
    const suites = new Map<string, SuiteQueueStatus>();
    const entry = (kind: string, suite: string) => {
      const key = `${kind} ${suite}`;
      let s = suites.get(key);
      if (!s) {
        s = { suite, kind, waiting: 0, active: 0, done: 0, failed: 0, running: [] };
        suites.set(key, s);
      }
      return s;
    };
    for (const state of STATES) {
      for (const id of await queue.getRanges([state], 0, -1)) {
        const p = parseJobId(id);
        if (!p) continue;
        const s = entry(p.kind, p.suite);
        if (state === "active") {
          s.active++;
          const job = await queue.getJob(id);
          const progress = job?.progress as { worker?: string; started_at?: number } | undefined;
          s.running.push({
            instance_id: p.instance,
            worker: progress?.worker ?? job?.processedBy ?? "?",
            ...(job?.processedOn ? { since: new Date(job.processedOn).toISOString() } : {}),
          });
        } else if (state === "completed") s.done++;
        else if (state === "failed") s.failed++;
        else s.waiting++;
      }
    }
    // Recorded by their coordinators (and removed from the queue): done too.
    for (const key of await scanKeys(conn, `${KEY_PREFIX}:suite:*:recorded`)) {
      const m = /^[^:]+:suite:(.+):(run|eval):recorded$/.exec(key);
      if (m) entry(m[2]!, m[1]!).done += Number((await conn.get(key)) ?? 0);
    }
    // A worker's client is named bull:<queue>:w:<name>; each worker has two connections.
    const workers = new Set(
      (await queue.getWorkers()).map((w) => {
        const raw = String(w.rawname ?? w.name ?? "?");
        const i = raw.indexOf(":w:");
        return i >= 0 ? raw.slice(i + 3) : raw;
      }),
    );
    return { workers: [...workers].sort(), suites: [...suites.values()] };
  } finally {
    await queue.close();
    conn.disconnect();
  }
}
