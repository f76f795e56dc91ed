/** Worker thread: reads, hashes, parses and extracts the files it is sent; the main thread writes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import type { BackendKind } from "./parser.js";
import { LanguageLoader } from "./parser.js";
import { type FileResult, type ProcessInput, processBuffer } from "./process.js";

export interface WorkerJob {
  id: number;
  items: Array<ProcessInput & { content?: Uint8Array }>;
}

export interface WorkerReply {
  id: number;
  results: FileResult[];
}

const data = workerData as { root: string; backend: BackendKind | "auto"; maxFileBytes: number };
const loader = new LanguageLoader(data.backend);

parentPort?.on("message", async (job: WorkerJob) => {
  const results: FileResult[] = [];
  for (const item of job.items) {
    try {
      const buf = item.content ? Buffer.from(item.content) : readFileSync(join(data.root, item.path));
      results.push(await processBuffer(loader, item, buf, data.maxFileBytes));
    } catch (err) {
      results.push({
        path: item.path,
        size: item.size,
        mtimeMs: item.mtimeMs,
        hash: "",
        status: "unreadable",
        language: null,
        invalidUtf8: false,
        error: (err as Error).message,
      });
    }
  }
  parentPort?.postMessage({ id: job.id, results } satisfies WorkerReply);
});
