/**
 * Which files a shell command changed. A command can write anywhere in the checkout, so after
 * it we list the files that differ from the base commit (tracked changes and untracked files,
 * ignored ones excluded) with their size and modification time, and compare with the previous
 * listing of the same run. Cheap: one process, one `git diff`, one `ls-files`, one `stat`.
 */

import { shellQuote } from "../common/index.js";
import type { ToolContext, ToolState } from "./types.js";

type Fingerprints = Map<string, string>;

const snapshots = new WeakMap<ToolState, Fingerprints>();
const STAT_MARK = "@@fixpoint-stat@@";

async function fingerprint(ctx: ToolContext): Promise<Fingerprints | null> {
  const { sandbox } = ctx;
  const script = [
    `cd ${shellQuote(sandbox.root)} || exit 1`,
    `list=$( { git -c core.quotepath=off diff --name-only ${shellQuote(sandbox.baseCommit)} --; git -c core.quotepath=off ls-files -o --exclude-standard; } 2>/dev/null | sort -u )`,
    `printf '%s\\n' "$list"`,
    `echo ${STAT_MARK}`,
    `[ -n "$list" ] && printf '%s\\n' "$list" | tr '\\n' '\\0' | xargs -0 -r stat -c '%s|%y|%n' -- 2>/dev/null`,
    "exit 0",
  ].join("\n");
  const r = await sandbox.execOnce(script, { timeoutMs: 60_000 });
  if (r.exitCode !== 0 || r.timedOut) return null;
  const [names = "", stats = ""] = r.stdout.split(`${STAT_MARK}\n`);
  const out: Fingerprints = new Map();
  for (const name of names.split("\n")) if (name) out.set(name, "deleted");
  for (const line of stats.split("\n")) {
    const a = line.indexOf("|");
    const b = line.indexOf("|", a + 1);
    if (a < 0 || b < 0) continue;
    out.set(line.slice(b + 1), line.slice(0, b));
  }
  return out;
}

/**
 * Files that changed since the previous snapshot of this run (or since the base commit, for the
 * first one), and records the new snapshot. Returns [] when git cannot answer.
 */
export async function changedSinceLastSnapshot(ctx: ToolContext): Promise<string[]> {
  const current = await fingerprint(ctx);
  if (!current) return [];
  const previous = snapshots.get(ctx.state) ?? new Map<string, string>();
  snapshots.set(ctx.state, current);
  const changed = new Set<string>();
  for (const [path, fp] of current) if (previous.get(path) !== fp) changed.add(path);
  // Files that were changed before and now match the base again (reverted) changed too.
  for (const path of previous.keys()) if (!current.has(path)) changed.add(path);
  return [...changed].sort();
}

/** Records the current state so that edits made by other tools are not reported by the next bash. */
export async function refreshSnapshot(ctx: ToolContext): Promise<void> {
  const current = await fingerprint(ctx);
  if (current) snapshots.set(ctx.state, current);
}
