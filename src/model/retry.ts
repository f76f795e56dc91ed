/**
 * The retry loop shared by the HTTP providers. The SDKs' own retries are off (`maxRetries: 0`)
 * so that one policy — exponential backoff with jitter, `retry-after` honoured, a per-attempt
 * watchdog timeout — applies to both providers and is logged the same way.
 */
import { InfraError } from "../common/index.js";
import type { Logger } from "../log/index.js";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay; doubles each retry, with jitter. */
  baseMs: number;
  /** Cap on one computed backoff delay. */
  maxMs: number;
  /** Cap on a server-requested (`retry-after`) delay. */
  maxRetryAfterMs: number;
}

/** What a failed attempt means: try again (optionally after a server-given delay) or give up. */
export type Failure = { retry: true; reason: string; retryAfterMs?: number } | { retry: false; error: Error };

/**
 * One attempt. Pass `dog.signal` to the request, call `dog.kick()` on progress (a stream event)
 * and `dog.check()` after a stream ends (the SDKs end a stream silently when it is aborted).
 */
export type Attempt<T> = (dog: Watchdog, attempt: number) => Promise<T>;

/** Thrown inside an attempt when its watchdog fired; classified as retryable. */
export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
    this.name = "AttemptTimeoutError";
  }
}

/**
 * A per-attempt watchdog: aborts the attempt when no progress was reported for `timeoutMs`
 * (the SDK timeouts cover only the wait for headers, not a stream that stalls).
 */
export class Watchdog {
  readonly controller = new AbortController();
  fired = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onOuterAbort: () => void;

  constructor(
    readonly timeoutMs: number,
    private readonly outer?: AbortSignal,
  ) {
    this.onOuterAbort = () => this.controller.abort(outer?.reason);
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener("abort", this.onOuterAbort, { once: true });
    this.kick();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Progress was made: restart the countdown. */
  kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new AttemptTimeoutError(this.timeoutMs));
    }, this.timeoutMs);
  }

  /** Throws the right error when the attempt was aborted: the user's abort or a timeout. */
  check(): void {
    if (this.outer?.aborted) throw abortError(this.outer);
    if (this.fired) throw new AttemptTimeoutError(this.timeoutMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.outer?.removeEventListener("abort", this.onOuterAbort);
  }
}

export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error("model request aborted");
  e.name = "AbortError";
  return e;
}

/** Backoff before retry number `retry` (0-based): base·2^retry, capped, with ±25 % jitter. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.round(exp * (0.75 + random() * 0.5));
}

/** Reads `retry-after-ms` (milliseconds) or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined | null): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The retry policy of a provider's resolved options. */
export function retryPolicyOf(o: {
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxRetryAfterMs: number;
}): RetryPolicy {
  return {
    maxRetries: o.maxRetries,
    baseMs: o.retryBaseMs,
    maxMs: o.retryMaxMs,
    maxRetryAfterMs: o.maxRetryAfterMs,
  };
}

export interface RunOptions {
  /** Names the call in messages, e.g. `anthropic claude-sonnet-4-5`. */
  what: string;
  policy: RetryPolicy;
  log: Logger;
  signal?: AbortSignal;
  /** Maps an attempt's error to retry-or-give-up. */
  classify: (err: unknown) => Failure;
}

/** Runs `attempt` until it succeeds, a failure is not retryable, or retries run out (→ InfraError). */
export async function withRetries<T>(attempt: Attempt<T>, timeoutMs: number, opts: RunOptions): Promise<T> {
  let lastReason = "";
  for (let n = 0; ; n++) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const dog = new Watchdog(timeoutMs, opts.signal);
    let failure: Failure;
    try {
      return await attempt(dog, n);
    } catch (err) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      failure = dog.fired ? { retry: true, reason: `timed out after ${timeoutMs} ms` } : opts.classify(err);
    } finally {
      dog.dispose();
    }
    if (!failure.retry) throw failure.error;
    lastReason = failure.reason;
    if (n >= opts.policy.maxRetries) break;
    const delay =
      failure.retryAfterMs !== undefined
        ? Math.min(failure.retryAfterMs, opts.policy.maxRetryAfterMs)
        : backoffMs(n, opts.policy);
    opts.log.warn(
      { attempt: n + 1, delayMs: delay, reason: failure.reason },
      `${opts.what}: ${failure.reason}; retrying in ${delay} ms (retry ${n + 1} of ${opts.policy.maxRetries})`,
    );
    await sleep(delay, opts.signal);
  }
  const attempts = opts.policy.maxRetries + 1;
  throw new InfraError(
    `${opts.what}: request failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${lastReason}`,
  );
}

/** Makes a provider message fit on one line. */
export function oneLine(text: string, max = 300): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Whether an error looks like a network failure (reset, refused, socket closed mid-body). */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (!(e instanceof Error)) break;
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+)$/.test(
        code,
      )
    ) {
      return true;
    }
    if (/terminated|fetch failed|socket hang up|other side closed|premature close/i.test(e.message))
      return true;
    e = e.cause;
  }
  return false;
}

/** The messages of an error and its causes, joined (SDK errors hide the useful part in `cause`). */
export function causeMessage(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, d = 0; e instanceof Error && d < 4; d++, e = e.cause) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(": ") || String(err);
}

type SdkLogFn = (message: string, ...rest: unknown[]) => void;

/**
 * Routes an SDK's own log lines (it logs to the console by default) into our logger. Only warn
 * and error are enabled on the SDK side: its debug lines carry request headers.
 */
export function sdkLogger(
  log: Logger,
  sdk: string,
): { error: SdkLogFn; warn: SdkLogFn; info: SdkLogFn; debug: SdkLogFn } {
  const at =
    (level: "warn" | "debug"): SdkLogFn =>
    (message, ...rest) =>
      log[level](
        { sdk, detail: rest.map((r) => (typeof r === "string" ? r : String(r))) },
        `${sdk}: ${message}`,
      );
  return { error: at("warn"), warn: at("warn"), info: at("debug"), debug: at("debug") };
}
