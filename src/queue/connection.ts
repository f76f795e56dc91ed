/**
 * The Redis side of the queue: the URL (`redis://[:password@]host:port[/db]`, `rediss://` for
 * TLS), the connections, the queue's name and the ids derived from a suite. Connections retry
 * forever (a Redis restart is waited out, never an error) and queue commands while offline.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { z } from "zod";
import { UsageError } from "../common/index.js";

/** One BullMQ queue serves every suite; the job name says the kind (run or eval). */
export const QUEUE_NAME = "fixpoint";
/** Keys of ours next to BullMQ's (`bull:fixpoint:*`). */
export const KEY_PREFIX = "fixpoint";

const RedisUrl = z
  .string()
  .trim()
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "redis:" || u.protocol === "rediss:") && u.hostname !== "";
    } catch {
      return false;
    }
  }, "must be redis://[:password@]host:port[/db] or rediss://… (TLS)")
  .refine((s) => /^\/?(\d{1,2})?$/.test(new URL(s).pathname), "the database must be a number, as in /0");

/** Validates a queue URL; a one-line UsageError naming the flag otherwise. */
export function parseQueueUrl(url: string, flag = "--queue"): string {
  const r = RedisUrl.safeParse(url);
  if (!r.success) throw new UsageError(`${flag}: ${r.error.issues[0]?.message ?? "not a Redis URL"}`);
  return r.data;
}

/** The URL without its password (for messages and logs). */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

/**
 * A connection as BullMQ needs it: `maxRetriesPerRequest: null` makes commands wait for a
 * reconnect instead of failing, so a Redis restart pauses work rather than losing it.
 */
export function connect(url: string, name: string): Redis {
  const r = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    // Back off to 2 s between attempts; never give up (a restart can take a while).
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  // Connection errors are retried; without a listener ioredis prints each one.
  r.on("error", () => {});
  return r;
}

/** Resolves when Redis answers a PING, or throws after `timeoutMs`. */
export async function waitForRedis(r: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([r.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A suite's id: given, or derived from the machine and the absolute output folder, so a
 * coordinator started again with the same `--out` finds its jobs.
 */
export function suiteIdFor(outDir: string, given?: string): string {
  if (given) {
    if (!/^[\w-]{1,64}$/.test(given)) throw new UsageError("--suite-id: use at most 64 of [A-Za-z0-9_-]");
    return given;
  }
  const base = (outDir.split("/").filter(Boolean).pop() ?? "suite").replace(/[^\w-]+/g, "-").slice(0, 40);
  const h = createHash("sha256").update(`${hostname()}\n${outDir}`).digest("hex").slice(0, 10);
  return `${base}-${h}`;
}

export type JobKind = "run" | "eval";

/** The job id of a task: the same suite and instance always give the same id (BullMQ adds an id once). */
export function jobIdFor(kind: JobKind, suiteId: string, instanceId: string): string {
  // BullMQ refuses ":" in custom ids.
  return `${kind}.${suiteId}.${instanceId.replace(/:/g, "%3A")}`;
}

/** A suite's total cost so far, in Redis so every worker checks the cap before starting a task. */
export function costKey(suiteId: string): string {
  return `${KEY_PREFIX}:suite:${suiteId}:cost`;
}

/** How many of a suite's jobs its coordinator has recorded (for `suite status`; expires after a week). */
export function recordedKey(kind: JobKind, suiteId: string): string {
  return `${KEY_PREFIX}:suite:${suiteId}:${kind}:recorded`;
}
export const RECORDED_TTL_S = 7 * 24 * 3600;
