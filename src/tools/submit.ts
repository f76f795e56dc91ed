/**
 * `submit`: ends the run. The patch itself is the sandbox's diff against the base commit, which
 * the agent takes; the tool reports what is being submitted (a diff stat and new files) so the
 * trajectory shows it and an empty submission is visible.
 */
import { z } from "zod";
import { shellQuote } from "../common/index.js";
import type { Tool } from "./types.js";

const schema = z.object({
  summary: z
    .string()
    .max(4000)
    .optional()
    .describe("A short summary of the change and why it fixes the issue."),
});

const UNTRACKED_MARK = "@@fixpoint-untracked@@";

export const submitTool: Tool<typeof schema> = {
  name: "submit",
  description:
    "Submit your change and end the run. The submission is the diff of the repository against its starting commit (new files included). Call it when the fix is complete and tested.",
  schema,
  async execute(input, ctx) {
    const base = shellQuote(ctx.sandbox.baseCommit);
    const r = await ctx.sandbox.execOnce(
      `git -c core.quotepath=off diff --stat=100 ${base} -- ; echo ${UNTRACKED_MARK}; git -c core.quotepath=off ls-files -o --exclude-standard`,
      { cwd: ctx.sandbox.root, timeoutMs: 60_000 },
    );
    const [stat = "", untrackedText = ""] = r.stdout.split(`${UNTRACKED_MARK}\n`);
    const untracked = untrackedText.split("\n").filter(Boolean);
    const parts = ["Submitted."];
    if (input.summary?.trim()) parts.push(`Summary: ${input.summary.trim()}`);
    if (r.exitCode !== 0 && !stat.trim()) {
      parts.push(`(could not compute the diff stat: ${r.stderr.trim() || `exit code ${r.exitCode}`})`);
    } else if (!stat.trim() && untracked.length === 0) {
      parts.push("Warning: the diff against the base commit is empty — no change was made.");
    } else {
      if (stat.trim()) parts.push(`Changes to tracked files:\n${stat.replace(/\n$/, "")}`);
      if (untracked.length) {
        const shown = untracked.slice(0, 20).map((f) => `  ${f}`);
        const more = untracked.length > 20 ? `\n  … and ${untracked.length - 20} more` : "";
        parts.push(`${untracked.length} new file(s):\n${shown.join("\n")}${more}`);
      }
    }
    return { output: parts.join("\n"), isError: false, submitted: true };
  },
};
