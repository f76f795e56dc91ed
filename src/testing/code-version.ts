import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let version: string | undefined;

/**
 * A hash of this folder's code (the parsers, the commands, the name rules), as it runs: results
 * kept on disk (the gate's baselines) name tests as the code that read them did, so they are
 * not reused once that code changes. The same in src/ (tsx) and dist/ (the compiled files).
 */
export function testingCodeVersion(): string {
  if (version) return version;
  const dir = dirname(fileURLToPath(import.meta.url));
  const h = createHash("sha256");
  for (const f of readdirSync(dir)
    .filter((f) => /\.[cm]?[jt]s$/.test(f) && !f.endsWith(".d.ts"))
    .sort())
    h.update(`${f}\n`).update(readFileSync(join(dir, f)));
  version = h.digest("hex").slice(0, 16);
  return version;
}
