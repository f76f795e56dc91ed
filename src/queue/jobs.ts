/**
 * The coordinator's side of a suite's jobs: adds one job per task under an id derived from the
 * suite and the instance (adding it again is a no-op while it exists), re-attaches to the jobs
 * already there after a restart, and hands each job to `collect` once it has completed, then
 * removes it. Completion is seen through QueueEvents (fast) and a periodic sweep of the jobs in
 * flight (which also covers events missed while Redis or this process was down).
 */
import { type Job, Queue, QueueEvents } from "bullmq";
import { errorMessage } from "../common/index.js";
import type { Logger } from "../log/index.js";
import { connect, type JobKind, jobIdFor, QUEUE_NAME, RECORDED_TTL_S, recordedKey } from "./connection.js";

export interface JobEntry {
  instanceId: string;
  data: Record<string, unknown>;
}

export interface DriveOptions {
  url: string;
  kind: JobKind;
  suiteId: string;
  entries: JobEntry[];
  /** Tasks already recorded: a job of theirs still on the queue (the coordinator stopped before removing it) goes. */
  recorded?: string[];
  /** Attempts of a job that fails on infrastructure, and the first backoff (doubling). */
  attempts: number;
  backoffMs: number;
  /** Remove the jobs of these tasks first (their earlier results are discarded). */
  redo: boolean;
  /** Enqueue and return: the workers drain the queue without a coordinator. */
  detach: boolean;
  log: Logger;
  signal?: AbortSignal;
  pollMs?: number;
  /** A completed job: record it (its folder, its prediction line). */
  collect: (instanceId: string, job: Job) => Promise<void>;
  /** A job that failed for good (refused payload, stalled too often, out of attempts). */
  failed: (instanceId: string, reason: string, job: Job) => Promise<void>;
  /** Checked after each collection: true removes the waiting jobs (the cost cap). */
  capReached?: () => boolean;
  /** A waiting job removed, never started: by the cost cap or an interruption. */
  removed: (instanceId: string, why: "cap" | "interrupt") => void;
  /** How many of the suite's jobs a worker holds right now. */
  onRunning?: (n: number) => void;
}

export interface DriveResult {
  /** Left on the queue (`detach`). */
  queued: string[];
}

const WAITING = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);

export async function driveJobs(o: DriveOptions): Promise<DriveResult> {
  // BullMQ leaves connections it was given open: they are closed here, at the end.
  const conn = connect(o.url, `fixpoint-coordinator:${o.suiteId}`);
  const eventsConn = o.detach ? null : connect(o.url, `fixpoint-coordinator:${o.suiteId}:events`);
  const queue = new Queue(QUEUE_NAME, { connection: conn });
  const recorded = recordedKey(o.kind, o.suiteId);
  const events = eventsConn ? new QueueEvents(QUEUE_NAME, { connection: eventsConn }) : null;
  events?.on("error", (e) => o.log.warn({ err: errorMessage(e) }, "queue: events connection"));
  queue.on("error", (e) => o.log.warn({ err: errorMessage(e) }, "queue: connection"));
  const pending = new Map<string, string>(); // job id → instance id
  const dirty = new Set<string>(); // jobs an event named since the last look
  let wake: () => void = () => {};
  try {
    if (events) {
      await events.waitUntilReady();
      const onEnd = ({ jobId }: { jobId: string }) => {
        if (!pending.has(jobId)) return;
        dirty.add(jobId);
        wake();
      };
      events.on("completed", onEnd);
      events.on("failed", onEnd);
    }
    for (const instanceId of o.recorded ?? []) {
      const job = await queue.getJob(jobIdFor(o.kind, o.suiteId, instanceId));
      if (job && ["completed", "failed"].includes(await job.getState())) await job.remove();
    }
    for (const e of o.entries) {
      if (o.signal?.aborted) {
        o.removed(e.instanceId, "interrupt");
        continue;
      }
      const id = jobIdFor(o.kind, o.suiteId, e.instanceId);
      let job = await queue.getJob(id);
      if (job) {
        const state = await job.getState();
        // A failed job (out of attempts while nobody recorded it) runs again, as a rerun of `suite run` does.
        if (state === "failed" || (o.redo && state !== "active")) {
          await job.remove();
          job = undefined;
        }
      }
      if (!job) {
        await queue.add(o.kind, e.data, {
          jobId: id,
          attempts: o.attempts,
          backoff: { type: "exponential", delay: o.backoffMs },
          removeOnComplete: false,
          removeOnFail: false,
        });
      }
      pending.set(id, e.instanceId);
    }
    if (o.detach) return { queued: [...pending.values()] };

    let interruptHandled = false;
    const removeWaiting = async (why: "cap" | "interrupt") => {
      for (const [id, instanceId] of [...pending]) {
        const job = await queue.getJob(id);
        if (!job || !WAITING.has(await job.getState())) continue;
        try {
          await job.remove();
        } catch {
          continue; // a worker took it meanwhile: it finishes and is recorded
        }
        pending.delete(id);
        o.removed(instanceId, why);
      }
    };
    const pollMs = o.pollMs ?? 1000;
    /** Checks one job: records and removes it when it has ended. True when it is active. */
    const check = async (id: string, instanceId: string): Promise<boolean> => {
      // The state first, then the job: a job read while active and found completed a moment later
      // would carry no return value (a Redis restart replaying the worker's queued commands makes
      // that window wide).
      const state = await queue.getJobState(id);
      if (state !== "completed" && state !== "failed" && state !== "unknown") return state === "active";
      const job = state === "unknown" ? undefined : await queue.getJob(id);
      if (!job) {
        // Removed by someone else (an operator, another coordinator): nothing to record.
        pending.delete(id);
        o.log.warn({ job: id }, "queue: job vanished before it was recorded");
        return false;
      }
      if (state === "completed") await o.collect(instanceId, job);
      else await o.failed(instanceId, job.failedReason || "failed", job);
      await job.remove().catch((e) => o.log.warn({ err: errorMessage(e), job: id }, "queue: cannot remove"));
      pending.delete(id);
      await conn.multi().incr(recorded).expire(recorded, RECORDED_TTL_S).exec();
      if (o.capReached?.()) await removeWaiting("cap");
      return false;
    };
    let lastSweep = 0;
    o.signal?.addEventListener("abort", () => wake(), { once: true });
    while (pending.size) {
      if (o.signal?.aborted && !interruptHandled) {
        interruptHandled = true;
        await removeWaiting("interrupt");
      }
      if (Date.now() - lastSweep >= pollMs) {
        // Every job in flight: catches what events missed (a Redis restart, this process restarted).
        lastSweep = Date.now();
        dirty.clear();
        let running = 0;
        for (const [id, instanceId] of [...pending])
          if (pending.has(id) && (await check(id, instanceId))) running++; // the cap may have removed it
        o.onRunning?.(running);
      } else {
        const ids = [...dirty];
        dirty.clear();
        for (const id of ids) {
          const instanceId = pending.get(id);
          if (instanceId) await check(id, instanceId);
        }
      }
      if (!pending.size) break;
      if (dirty.size) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, pollMs - (Date.now() - lastSweep)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => {};
    }
    return { queued: [] };
  } finally {
    await events?.close().catch(() => {});
    await queue.close().catch(() => {});
    eventsConn?.disconnect();
    conn.disconnect();
  }
}
