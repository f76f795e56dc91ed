/**
 * The sandbox's view of its changes, made the same way in both sandboxes: a bash script, run in
 * the checkout (on the host for the local sandbox, in the container for Docker), that prints
 * the diff against the base commit or the changed paths.
 */
import { InfraError } from "../common/index.js";

/**
 * A bash script that prints the diff (or the NUL-separated changed paths) of the work tree in
 * the current directory against `base`, untracked files included. It stages into a temporary
 * copy of the index, so neither the index nor anything else the agent sees changes.
 */
export function diffScript(base: string, mode: "patch" | "names"): string {
  if (!/^[0-9a-f]{7,64}$/i.test(base)) throw new InfraError(`not a commit id: ${base}`);
  const diff =
    mode === "patch"
      ? `git -c core.quotepath=off diff --cached --binary --no-color --no-ext-diff --no-textconv --no-renames ${base} --`
      : `git -c core.quotepath=off diff --cached --name-only -z --no-renames ${base} --`;
  return [
    "set -e",
    "idx=$(mktemp)",
    'trap \'rm -f "$idx" "$idx.lock"\' EXIT',
    "real=$(git rev-parse --git-path index)",
    'if [ -f "$real" ]; then cp "$real" "$idx"; else rm -f "$idx"; fi',
    'export GIT_INDEX_FILE="$idx"',
    "git add -A . >/dev/null",
    diff,
  ].join("\n");
}

/** Parses the output of `diffScript(base, "names")`. */
export function parseNames(z: string): string[] {
  return z.split("\0").filter((s) => s.length > 0);
}
