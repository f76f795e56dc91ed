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

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

export type WorkItem = ProcessInput & { content?: Uint8Array };

/**
 * Runs items through `count` workers; `onResults` is called on the main thread for each chunk.
 * Rejects when a worker cannot start (the caller falls back to parsing inline).
 */
export async function runPool(
  items: WorkItem[],
  opts: { root: string; backend: BackendKind | "auto"; maxFileBytes: number; count: number; chunk?: number },
  onResults: (results: FileResult[]) => void,
): Promise<void> {
  if (!items.length) return;
  const chunk = opts.chunk ?? 24;
  const spec = workerSpec();
  const n = Math.max(1, Math.min(opts.count, Math.ceil(items.length / chunk)));
  let next = 0;
  let jobId = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let failed = false;
      const dispatch = (w: Worker): boolean => {
        if (next >= items.length) return false;
        const slice = items.slice(next, next + chunk);
        next += slice.length;
        const transfer = slice.flatMap((s) => (s.content ? [s.content.buffer as ArrayBuffer] : []));
        w.postMessage({ id: jobId++, items: slice } satisfies WorkerJob, transfer);
        return true;
      };
      for (let i = 0; i < n; i++) {
        const w = new Worker(spec.entry, {
          eval: spec.eval,
          workerData: { root: opts.root, backend: opts.backend, maxFileBytes: opts.maxFileBytes },
        });
        workers.push(w);
        active++;
        let inFlight = 0;
        const send = () => {
          if (dispatch(w)) inFlight++;
        };
        w.on("message", (reply: WorkerReply) => {
          if (failed) return;
          inFlight--;
          // Keep the worker busy before this thread spends time writing the results.
          send();
          try {
            onResults(reply.results);
          } catch (err) {
            failed = true;
            reject(err);
            return;
          }
          if (inFlight === 0) {
            active--;
            if (active === 0) resolve();
          }
        });
        w.on("error", (err) => {
          failed = true;
          reject(err);
        });
        w.on("exit", (code) => {
          if (code !== 0 && !failed) {
            failed = true;
            reject(new Error(`graph worker exited with code ${code}`));
          }
        });
        // Two jobs in flight per worker, so it never waits on this thread.
        send();
        send();
        if (inFlight === 0) active--;
      }
      if (active === 0) resolve();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
