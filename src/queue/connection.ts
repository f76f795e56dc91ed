/**
 * The Redis side of the queue: the URL (`redis://[:password@]host:port[/db]`, `rediss://` for
 * TLS), the connections, the queue's name and the ids derived from a suite. Connections retry
 * forever (a Redis restart is waited out, never an error) and queue commands while offline.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { z } from "zod";
import { InfraError, UsageError } from "../common/index.js";

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

// Connection errors that retrying cannot fix: the server's certificate or the password.
const CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL/;
const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * Checks that Redis answers before anything is queued or taken: resolves on a PING's answer.
 * A certificate or password that TLS or Redis refused is a UsageError at once (exit 2); anything
 * else is waited out (a Redis still starting) up to `timeoutMs`, then an InfraError (exit 3). Both
 * are one line naming the URL without its password, and the cause.
 */
export async function probeRedis(url: string, who: string, timeoutMs = 60_000): Promise<void> {
  const r = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: `${who}:probe`,
    retryStrategy: () => 500,
  });
  let last = "";
  let fail: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const where = `${who}: Redis at ${redactUrl(url)}`;
  r.on("error", (e: Error & { code?: string }) => {
    last = e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message;
    if (CERT_ERROR.test(`${e.code ?? ""} ${e.message}`))
      fail(new UsageError(`${where}: ${last}; trust its CA with NODE_EXTRA_CA_CERTS=FILE`));
    else if (AUTH_ERROR.test(e.message)) fail(new UsageError(`${where}: ${last}`));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new InfraError(
            `${where} did not answer within ${timeoutMs / 1000} s${last ? ` (last error: ${last})` : ""}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    // The PING itself is refused with NOAUTH/WRONGPASS when the password is wrong.
    await Promise.race([
      r.ping().catch((e: Error) => {
        throw AUTH_ERROR.test(e.message) ? new UsageError(`${where}: ${e.message}`) : e;
      }),
      failed,
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    r.disconnect();
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
