/** A small worker-thread pool: files go out in chunks, results come back to the main thread. */

import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { BackendKind } from "./parser.js";
import type { FileResult, ProcessInput } from "./process.js";
import type { WorkerJob, WorkerReply } from "./worker.js";

function workerSpec(): { entry: string | URL; eval: boolean } {
  // Under tsx/vitest this module is TypeScript. A worker does not inherit tsx's loader through
  // `--import` for its entry point on Node 20, so a tiny bootstrap registers tsx first.
  if (import.meta.url.endsWith(".ts")) {
    // tsx's ESM API (vitest's module runner has no import.meta.resolve: resolve via require).
    const api =
      typeof import.meta.resolve === "function"
        ? import.meta.resolve("tsx/esm/api")
        : pathToFileURL(
            createRequire(import.meta.url)
              .resolve("tsx/esm/api")
              .replace(/\.cjs$/, ".mjs"),
          ).href;
    const worker = new URL("./worker.ts", import.meta.url).href;
    return {
      entry: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); });`,
      eval: true,
    };
  }
  return { entry: new URL("./worker.js", import.meta.url), eval: false };
}

/**
 * Worker threads besides the main thread: one per core but one, because the main thread extracts
 * too whenever it has no results to write (so a 2-core machine runs one worker and the main
 * thread, and a small repository does not wait for several workers to load their grammars).
 */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

export type WorkItem = ProcessInput & { content?: Uint8Array };

export interface PoolOptions {
  root: string;
  backend: BackendKind | "auto";
  maxFileBytes: number;
  count: number;
  /** Files per job sent to a worker (smaller near the end, so no thread idles on the tail). */
  chunk?: number;
  /** Extracts a few files on the calling thread; called while no worker result is waiting. */
  inline?: (items: WorkItem[]) => Promise<FileResult[]>;
}

const INLINE_SLICE = 4;

/**
 * Runs items through `count` workers (and `inline` on this thread when given); `onResults` is
 * called on this thread for each chunk. Rejects when a worker cannot start or crashes (the
 * caller then finishes what is left inline).
 */
export async function runPool(
  items: WorkItem[],
  opts: PoolOptions,
  onResults: (results: FileResult[]) => void,
): Promise<void> {
  if (!items.length) return;
  const chunk = opts.chunk ?? 24;
  const spec = workerSpec();
  const n = Math.max(1, Math.min(opts.count, Math.ceil(items.length / chunk)));
  let next = 0;
  let jobId = 0;
  let failed: unknown = null;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const take = (size: number): WorkItem[] => {
    // Near the end, small slices: the last files spread over every thread.
    const left = items.length - next;
    const k = Math.max(1, Math.min(size, Math.ceil(left / (2 * (n + 1)))));
    const slice = items.slice(next, next + k);
    next += slice.length;
    return slice;
  };
  const workers: Worker[] = [];
  const send = (w: Worker) => {
    if (failed || next >= items.length) return;
    const slice = take(chunk);
    const transfer = slice.flatMap((s) => (s.content ? [s.content.buffer as ArrayBuffer] : []));
    inFlight++;
    w.postMessage({ id: jobId++, items: slice } satisfies WorkerJob, transfer);
  };
  try {
    for (let i = 0; i < n; i++) {
      const w = new Worker(spec.entry, {
        eval: spec.eval,
        workerData: { root: opts.root, backend: opts.backend, maxFileBytes: opts.maxFileBytes },
      });
      workers.push(w);
      w.on("message", (reply: WorkerReply) => {
        if (failed) return;
        inFlight--;
        // Keep the worker busy before this thread spends time writing the results.
        send(w);
        try {
          onResults(reply.results);
        } catch (err) {
          failed = err;
        }
        notify();
      });
      w.on("error", (err) => {
        failed ??= err;
        notify();
      });
      w.on("exit", (code) => {
        if (code !== 0) failed ??= new Error(`graph worker exited with code ${code}`);
        notify();
      });
      // Two jobs in flight per worker, so it never waits on this thread.
      send(w);
      send(w);
    }
    for (;;) {
      if (failed) throw failed;
      if (next >= items.length && inFlight === 0) break;
      if (opts.inline && next < items.length) {
        onResults(await opts.inline(take(INLINE_SLICE)));
        // Let waiting worker results in (they are written in their message handlers).
        await new Promise<void>((r) => setImmediate(r));
      } else {
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
