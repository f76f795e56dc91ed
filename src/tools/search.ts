/**
 * `search`: text or regular-expression search across the checkout, `file:line: text` per match.
 * `git grep` (tracked and untracked files, ignored ones excluded, binaries skipped), falling back
 * to `grep -r` outside a git repository. The match list is cut inside the sandbox so a pattern
 * that matches everything costs no more than one that matches a little.
 */
import { z } from "zod";
import { shellQuote } from "../common/index.js";
import { displayPath, resolveInCheckout } from "./paths.js";
import type { Tool } from "./types.js";

export const SEARCH_DEFAULT_RESULTS = 50;
export const SEARCH_MAX_RESULTS = 500;
/** Matched lines longer than this are cut. */
const MAX_LINE_CHARS = 240;
const MORE_MARK = "@@fixpoint-more@@";

const schema = z.object({
  pattern: z.string().min(1).describe("Text to find (a regular expression when `regex` is true)."),
  regex: z
    .boolean()
    .optional()
    .describe(
      "Treat pattern as a POSIX extended regular expression (\\b, \\w, \\s work). Default false: literal text.",
    ),
  path: z
    .string()
    .optional()
    .describe("Search only under this file or directory (relative to the repository root)."),
  glob: z
    .string()
    .optional()
    .describe("Only files whose path matches this glob, e.g. `*.py` or `src/**/*.ts`."),
  case_sensitive: z.boolean().optional().describe("Default true."),
  max_results: z
    .number()
    .int()
    .min(1)
    .max(SEARCH_MAX_RESULTS)
    .optional()
    .describe(`Most matches to show (default ${SEARCH_DEFAULT_RESULTS}).`),
});

export const searchTool: Tool<typeof schema> = {
  name: "search",
  description:
    "Search the repository's files (tracked and untracked, .gitignore respected, binaries skipped) for literal text or a regular expression. Returns `file:line: text` for each match.",
  schema,
  async execute(input, ctx) {
    const max = input.max_results ?? SEARCH_DEFAULT_RESULTS;
    let rel = "";
    if (input.path !== undefined && input.path.trim() !== "" && input.path.trim() !== ".") {
      const resolved = await resolveInCheckout(ctx.sandbox, input.path);
      if (!resolved.ok) return { output: resolved.error, isError: true };
      if (resolved.path.kind === "missing")
        return { output: `${displayPath(resolved.path)} does not exist`, isError: true };
      rel = resolved.path.rel;
    }
    const script = buildSearchScript(input, rel, max);
    const r = await ctx.sandbox.execOnce(script, { cwd: ctx.sandbox.root, timeoutMs: 60_000 });
    if (r.timedOut)
      return { output: "search timed out after 60 s; narrow it with `path` or `glob`", isError: true };
    // grep: 0 = matches, 1 = none, anything else = an error (e.g. a bad regular expression).
    if (r.exitCode > 1) {
      return { output: `search failed: ${r.stderr.trim() || `exit code ${r.exitCode}`}`, isError: true };
    }
    const where = rel ? ` under ${rel}` : "";
    const lines = r.stdout.split("\n").filter(Boolean);
    let more = 0;
    const matches: string[] = [];
    for (const line of lines) {
      if (line.startsWith(MORE_MARK)) {
        more = Number(line.slice(MORE_MARK.length).trim()) || 0;
        continue;
      }
      matches.push(formatMatch(line));
    }
    if (matches.length === 0) {
      return { output: `No matches for ${JSON.stringify(input.pattern)}${where}.`, isError: false };
    }
    const total = matches.length + more;
    const head = `${total} match${total === 1 ? "" : "es"} for ${JSON.stringify(input.pattern)}${where}:`;
    const tail =
      more > 0
        ? `\n[${more} more matches not shown; narrow the search with path or glob, or raise max_results]`
        : "";
    return { output: `${head}\n${matches.join("\n")}${tail}`, isError: false };
  },
};

export function buildSearchScript(
  input: { pattern: string; regex?: boolean; glob?: string; case_sensitive?: boolean },
  rel: string,
  max: number,
): string {
  const mode = input.regex ? "-E" : "-F";
  const icase = input.case_sensitive === false ? " -i" : "";
  const pat = shellQuote(input.pattern);
  const glob = input.glob?.trim();
  // git pathspecs: a plain `*.py` matches at any depth; with a `/` we use glob magic (`**`).
  let spec: string;
  if (glob) {
    const joined = rel ? `${rel}/${glob}` : glob;
    spec = glob.includes("/") ? `:(glob)${joined}` : joined;
  } else {
    spec = rel || ".";
  }
  const gitGrep = `git -c core.quotepath=off grep -n -I --untracked --no-color ${mode}${icase} -e ${pat} -- ${shellQuote(spec)}`;
  const include = glob ? ` --include=${shellQuote(glob.split("/").pop()!)}` : "";
  const plainGrep = `grep -rnI --exclude-dir=.git --exclude-dir=node_modules${include} ${mode}${icase} -e ${pat} -- ${shellQuote(rel || ".")}`;
  const awk = `awk -v max=${max} -v mark=${MORE_MARK} '{ if (NR <= max) { if (length($0) > ${MAX_LINE_CHARS}) print substr($0, 1, ${MAX_LINE_CHARS}) " [...]"; else print } } END { if (NR > max) print mark (NR - max) }'`;
  return [
    "set -o pipefail",
    "if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then",
    `  ${gitGrep} | ${awk}`,
    "else",
    `  ${plainGrep} | sed 's#^\\./##' | ${awk}`,
    "fi",
  ].join("\n");
}

/** `path:12:text` → `path:12: text` with the text's indentation dropped. */
function formatMatch(line: string): string {
  const m = /^(.*?):(\d+):(.*)$/.exec(line);
  if (!m) return line;
  return `${m[1]}:${m[2]}: ${m[3]!.trim()}`;
}
