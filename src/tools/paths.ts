/**
 * Resolves a path the model gave into one inside the checkout. `..` and symlinks are resolved
 * with `realpath -m` inside the sandbox (the checkout may live in a container), and the result
 * must lie under the checkout root's own real path.
 */

import { shellQuote } from "../common/index.js";
import type { Sandbox } from "../sandbox/index.js";

export type PathKind = "file" | "dir" | "missing" | "other";

export interface ResolvedPath {
  /** Absolute real path inside the sandbox. */
  abs: string;
  /** Path relative to the checkout root ("" for the root itself). */
  rel: string;
  kind: PathKind;
  /** Size in bytes for files. */
  size: number;
}

export type Resolution = { ok: true; path: ResolvedPath } | { ok: false; error: string };

const realRoots = new WeakMap<Sandbox, string>();

export async function resolveInCheckout(sandbox: Sandbox, input: string): Promise<Resolution> {
  const given = input.trim();
  if (given === "") return { ok: false, error: "path is empty" };
  if (/[\0\n]/.test(given)) return { ok: false, error: "path contains a newline or NUL character" };
  const root = sandbox.root.replace(/\/+$/, "") || "/";
  const joined = given.startsWith("/") ? given : `${root}/${given}`;
  const cached = realRoots.get(sandbox);
  // One process: real root (once per sandbox), real path, kind and size.
  const script = [
    cached ? `printf '%s\\n' ${shellQuote(cached)}` : `realpath -m -- ${shellQuote(root)}`,
    `p=$(realpath -m -- ${shellQuote(joined)}) || exit 1`,
    `printf '%s\\n' "$p"`,
    `if [ -d "$p" ]; then echo dir; elif [ -f "$p" ]; then echo file; wc -c < "$p"; elif [ -e "$p" ]; then echo other; else echo missing; fi`,
  ].join("\n");
  const r = await sandbox.execOnce(script);
  const lines = r.stdout.split("\n");
  const realRoot = lines[0]?.trim();
  const abs = lines[1]?.trim();
  const kind = lines[2]?.trim() as PathKind | undefined;
  if (r.exitCode !== 0 || !realRoot || !abs || !kind) {
    return {
      ok: false,
      error: `cannot resolve path ${given}: ${(r.stderr || r.stdout).trim() || "realpath failed"}`,
    };
  }
  if (!cached) realRoots.set(sandbox, realRoot);
  const inside = abs === realRoot || abs.startsWith(realRoot === "/" ? "/" : `${realRoot}/`);
  if (!inside) {
    return {
      ok: false,
      error: `path ${given} resolves to ${abs}, outside the checkout ${realRoot}; only files inside the checkout can be used`,
    };
  }
  const rel = abs === realRoot ? "" : abs.slice(realRoot.length + (realRoot === "/" ? 0 : 1));
  const size = kind === "file" ? Number(lines[3]?.trim() ?? 0) || 0 : 0;
  return { ok: true, path: { abs, rel, kind, size } };
}

/** Shows a path to the model relative to the checkout root. */
export function displayPath(p: ResolvedPath): string {
  return p.rel === "" ? "." : p.rel;
}
