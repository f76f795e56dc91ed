/**
 * Applying patches inside a sandbox with the repository's own git, as SWE-bench's harness does:
 * `git apply`, then `git apply --3way`, then `git apply --reject` (recounted, whitespace
 * ignored), then `patch --fuzz`. The tree is reset between attempts, so a failed attempt never
 * leaves half a patch behind. Also restores the files a test patch touches before applying it.
 */

import { shellQuote } from "../common/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { patchedFiles } from "../vcs/index.js";

export type SandboxApplyMethod = "git-apply" | "git-apply-3way" | "git-apply-reject" | "patch-fuzz";

export interface SandboxApplyResult {
  ok: boolean;
  method?: SandboxApplyMethod;
  /** Every attempt with its output, for the task's log. */
  log: string;
}

/** Writes `patch` under .git (so it never shows in the diff) and returns its path in the sandbox. */
async function stage(sb: Sandbox, patch: string, name: string): Promise<string> {
  const path = `${sb.root}/.git/fixpoint-${name}.diff`;
  await sb.writeFile(path, patch.endsWith("\n") ? patch : `${patch}\n`);
  return path;
}

export async function applyPatchInSandbox(
  sb: Sandbox,
  patch: string,
  name: string,
  timeoutMs = 120_000,
): Promise<SandboxApplyResult> {
  const file = shellQuote(await stage(sb, patch, name));
  const tries: Array<[SandboxApplyMethod, string]> = [
    ["git-apply", `git apply --verbose --whitespace=nowarn ${file}`],
    ["git-apply-3way", `git apply --verbose --3way --whitespace=nowarn ${file}`],
    [
      "git-apply-reject",
      `git apply --verbose --reject --recount --ignore-whitespace --whitespace=nowarn ${file}`,
    ],
    ["patch-fuzz", `patch --batch --forward --no-backup-if-mismatch --fuzz=5 -p1 -i ${file}`],
  ];
  let log = "";
  for (const [method, cmd] of tries) {
    const r = await sb.execOnce(cmd, { cwd: sb.root, timeoutMs });
    log += `$ ${cmd}\n${r.stdout}${r.stderr}\n[exit ${r.exitCode}]\n`;
    if (r.exitCode === 0 && !r.timedOut) {
      // --3way stages what it applied; leave the index as the checkout had it.
      await sb.execOnce("git reset -q", { cwd: sb.root, timeoutMs });
      return { ok: true, method, log };
    }
    const reset = await sb.execOnce("git reset -q --hard HEAD && git clean -fdq", {
      cwd: sb.root,
      timeoutMs,
    });
    if (reset.exitCode !== 0) log += `reset failed: ${reset.stderr}\n`;
  }
  return { ok: false, log };
}

/**
 * Puts the files a test patch touches back to the base commit (deleting the ones it adds), then
 * applies it strictly: the test patch is the harness's, so any fuzz would be a harness bug.
 */
export async function applyTestPatchInSandbox(
  sb: Sandbox,
  testPatch: string,
  timeoutMs = 120_000,
): Promise<SandboxApplyResult> {
  const files = patchedFiles(testPatch);
  let log = "";
  if (files.length) {
    const list = files.map(shellQuote).join(" ");
    const restore = `for f in ${list}; do if git cat-file -e "HEAD:$f" 2>/dev/null; then git checkout -q HEAD -- "$f"; else rm -rf -- "$f"; fi; done`;
    const r = await sb.execOnce(restore, { cwd: sb.root, timeoutMs });
    log += `$ (restore test files) ${files.join(" ")}\n${r.stdout}${r.stderr}\n[exit ${r.exitCode}]\n`;
    if (r.exitCode !== 0) return { ok: false, log };
  }
  const file = shellQuote(await stage(sb, testPatch, "test"));
  const cmd = `git apply --verbose --whitespace=nowarn ${file}`;
  const r = await sb.execOnce(cmd, { cwd: sb.root, timeoutMs });
  log += `$ ${cmd}\n${r.stdout}${r.stderr}\n[exit ${r.exitCode}]\n`;
  return r.exitCode === 0 ? { ok: true, method: "git-apply", log } : { ok: false, log };
}

/**
 * Files SWE-bench leaves out when it turns a test patch's files into test arguments (its
 * NON_TEST_EXTS; "csv" has no dot there either). One list for both directive rules.
 */
export const NON_TEST_EXTS = [
  ".json",
  ".png",
  "csv",
  ".txt",
  ".md",
  ".jpg",
  ".jpeg",
  ".pkl",
  ".yml",
  ".yaml",
  ".toml",
];

/** The test files a test patch touches, as test-runner arguments (SWE-bench's "directives"). */
export function testDirectives(testPatch: string): string[] {
  return patchedFiles(testPatch).filter(isTestDirective);
}

/** Whether SWE-bench passes this file of a test patch to the test runner. */
export function isTestDirective(file: string): boolean {
  return !NON_TEST_EXTS.some((e) => file.endsWith(e));
}
