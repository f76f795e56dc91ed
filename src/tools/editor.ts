/**
 * `editor`: view files and directories, create files, replace an exact unique string, insert
 * lines, undo the last edit. Paths are confined to the checkout (symlinks and `..` resolved
 * inside the sandbox). Every write keeps the previous content for `undo_edit`, passes the code
 * graph's syntax guard when there is one, and reports the file it changed.
 */
import { z } from "zod";
import { errorMessage, escapeRegex, shellQuote } from "../common/index.js";
import { refreshSnapshot } from "./changes.js";
import { displayPath, type ResolvedPath, resolveInCheckout } from "./paths.js";
import { findCandidates, findOccurrences, lineOfOffset, numberLines, splitLines } from "./similar.js";
import type { Tool, ToolContext, ToolResultData } from "./types.js";

/** Characters of file text `view` shows in one call (the registry bounds the rest). */
export const VIEW_MAX_CHARS = 8_000;
/** Files larger than this are not read whole by the editor. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Entries listed for a directory. */
const MAX_DIR_ENTRIES = 400;
/** Context lines shown around an edit. */
const SNIPPET_CONTEXT = 4;

const path = z
  .string()
  .min(1)
  .describe("File or directory: relative to the repository root, or absolute inside it.");

const schema = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("view"),
    path,
    view_range: z
      .array(z.number().int())
      .length(2)
      .optional()
      .describe(
        "For files: [start, end] line numbers, 1-based and inclusive; end -1 means to the end of the file.",
      ),
  }),
  z.object({
    command: z.literal("create"),
    path,
    file_text: z.string().describe("create: the whole content of the file."),
  }),
  z.object({
    command: z.literal("str_replace"),
    path,
    old_str: z
      .string()
      .min(1)
      .describe(
        "str_replace: text to replace; must match the file exactly (whitespace included) and exactly once.",
      ),
    new_str: z
      .string()
      .optional()
      .describe(
        "str_replace: the replacement (empty or omitted deletes old_str); insert: the lines to insert.",
      ),
  }),
  z.object({
    command: z.literal("insert"),
    path,
    insert_line: z
      .number()
      .int()
      .min(0)
      .describe("insert: insert after this line (0 = at the top of the file)."),
    new_str: z.string(),
  }),
  z.object({ command: z.literal("undo_edit"), path }),
]);

type Input = z.infer<typeof schema>;

export const editorTool: Tool<typeof schema> = {
  name: "editor",
  description: [
    "View, create and edit files in the repository checkout.",
    "Commands: `view` shows a file with line numbers (optionally a `view_range`) or lists a directory two levels deep;",
    "`create` writes a file with `file_text` (overwrites an existing one);",
    "`str_replace` replaces `old_str`, which must occur exactly once and match exactly, including indentation, with `new_str`;",
    "`insert` inserts `new_str` after line `insert_line`;",
    "`undo_edit` reverts the last edit of `path`.",
    "Paths are relative to the repository root (or absolute inside it).",
  ].join(" "),
  schema,
  async execute(input, ctx) {
    const resolved = await resolveInCheckout(ctx.sandbox, input.path);
    if (!resolved.ok) return fail(resolved.error);
    const p = resolved.path;
    if (input.command !== "view" && (p.rel === ".git" || p.rel.startsWith(".git/"))) {
      return fail(`refusing to edit ${p.rel}: files inside .git are not part of the checkout's content`);
    }
    switch (input.command) {
      case "view":
        return view(ctx, p, input.view_range);
      case "create":
        return create(ctx, p, input.file_text);
      case "str_replace":
        return strReplace(ctx, p, input.old_str, input.new_str ?? "");
      case "insert":
        return insert(ctx, p, input.insert_line, input.new_str);
      case "undo_edit":
        return undo(ctx, p);
    }
  },
};

export type EditorInput = Input;

function fail(output: string): ToolResultData {
  return { output, isError: true };
}

async function missing(ctx: ToolContext, p: ResolvedPath): Promise<ToolResultData> {
  const name = p.rel.split("/").pop() ?? "";
  let hint = "";
  if (name) {
    // Files with the same name elsewhere: the usual cause is a wrong directory.
    const r = await ctx.sandbox.execOnce(
      `git ls-files -co --exclude-standard 2>/dev/null | grep -E -- ${shellQuote(`(^|/)${escapeRegex(name)}$`)} | head -n 5`,
      { cwd: ctx.sandbox.root },
    );
    const found = r.stdout.split("\n").filter(Boolean);
    if (found.length) hint = ` Files with that name: ${found.join(", ")}.`;
  }
  return fail(`${displayPath(p)} does not exist.${hint}`);
}

/** Reads a file for editing, or explains why it cannot be. */
async function readText(
  ctx: ToolContext,
  p: ResolvedPath,
): Promise<{ ok: true; text: string } | { ok: false; result: ToolResultData }> {
  if (p.kind === "missing") return { ok: false, result: await missing(ctx, p) };
  if (p.kind === "dir") return { ok: false, result: fail(`${displayPath(p)} is a directory, not a file`) };
  if (p.kind !== "file") return { ok: false, result: fail(`${displayPath(p)} is not a regular file`) };
  if (p.size > MAX_FILE_BYTES) {
    return {
      ok: false,
      result: fail(
        `${displayPath(p)} is ${p.size} bytes, too large for the editor; use bash (grep -n, sed -n 'A,Bp') to look at parts of it`,
      ),
    };
  }
  const text = await ctx.sandbox.readFile(p.abs);
  if (text.includes("\0")) return { ok: false, result: fail(`${displayPath(p)} is a binary file`) };
  return { ok: true, text };
}

async function view(ctx: ToolContext, p: ResolvedPath, range: number[] | undefined): Promise<ToolResultData> {
  if (p.kind === "dir") return listDirectory(ctx, p);
  const read = await readText(ctx, p);
  if (!read.ok) return read.result;
  const lines = splitLines(read.text);
  const name = displayPath(p);
  if (lines.length === 0) return { output: `${name} is empty.`, isError: false };

  let start = 1;
  let end = lines.length;
  if (range) {
    const [s, e] = range as [number, number];
    if (s < 1 || s > lines.length) {
      return fail(`view_range start ${s} is out of range: ${name} has ${lines.length} lines`);
    }
    if (e !== -1 && e < s) return fail(`view_range end ${e} is before its start ${s}`);
    start = s;
    end = e === -1 ? lines.length : Math.min(e, lines.length);
  }
  // Show whole lines up to the character budget, and say where to continue.
  let shownEnd = start - 1;
  let chars = 0;
  while (shownEnd < end) {
    const len = Math.min(lines[shownEnd]!.length, 2000) + 8;
    if (chars + len > VIEW_MAX_CHARS && shownEnd >= start) break;
    chars += len;
    shownEnd++;
  }
  const header =
    start === 1 && shownEnd === lines.length
      ? `${name} (${lines.length} lines):`
      : `${name} lines ${start}-${shownEnd} of ${lines.length}:`;
  const body = numberLines(lines, start, shownEnd);
  const more =
    shownEnd < end
      ? `\n[output cut at line ${shownEnd}; view_range [${shownEnd + 1}, ${end === lines.length ? -1 : end}] shows more]`
      : "";
  return { output: `${header}\n${body}${more}`, isError: false };
}

async function listDirectory(ctx: ToolContext, p: ResolvedPath): Promise<ToolResultData> {
  const r = await ctx.sandbox.execOnce(
    `find ${shellQuote(p.abs)} -mindepth 1 -maxdepth 2 \\( -name '.*' -o -name node_modules \\) -prune -o -printf '%P\\t%y\\n' | LC_ALL=C sort`,
  );
  if (r.exitCode !== 0 && !r.stdout) return fail(`cannot list ${displayPath(p)}: ${r.stderr.trim()}`);
  const entries = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [rel = "", type] = l.split("\t");
      return type === "d" ? `${rel}/` : rel;
    });
  const name = displayPath(p);
  if (entries.length === 0)
    return { output: `${name}/ is empty (hidden files and node_modules not shown).`, isError: false };
  const shown = entries.slice(0, MAX_DIR_ENTRIES);
  const more =
    entries.length > shown.length ? `\n[${entries.length - shown.length} more entries not shown]` : "";
  return {
    output: `Files and directories in ${name}/, two levels deep (hidden and node_modules excluded):\n${shown.join("\n")}${more}`,
    isError: false,
  };
}

/** Passes an edit through the syntax guard; a guard that fails is logged and ignored. */
async function guard(
  ctx: ToolContext,
  p: ResolvedPath,
  before: string | null,
  after: string,
): Promise<string | null> {
  if (!ctx.graph?.checkEdit) return null;
  try {
    return await ctx.graph.checkEdit(p.rel, before, after);
  } catch (err) {
    ctx.log.warn({ path: p.rel, err: errorMessage(err) }, "syntax guard failed; edit accepted");
    return null;
  }
}

async function write(ctx: ToolContext, p: ResolvedPath, before: string | null, after: string): Promise<void> {
  await ctx.sandbox.writeFile(p.abs, after);
  const history = ctx.state.editHistory.get(p.rel) ?? [];
  history.push(before);
  ctx.state.editHistory.set(p.rel, history);
  await refreshSnapshot(ctx).catch(() => undefined);
}

function refusedByGuard(p: ResolvedPath, message: string): ToolResultData {
  return fail(`Edit of ${displayPath(p)} refused, the file was not changed: ${message}`);
}

function snippet(after: string, firstLine: number, lastLine: number): string {
  const lines = splitLines(after);
  return numberLines(lines, firstLine - SNIPPET_CONTEXT, Math.max(firstLine, lastLine) + SNIPPET_CONTEXT);
}

async function create(ctx: ToolContext, p: ResolvedPath, text: string): Promise<ToolResultData> {
  if (p.kind === "dir") return fail(`${displayPath(p)} is a directory`);
  if (p.kind === "other") return fail(`${displayPath(p)} is not a regular file`);
  let before: string | null = null;
  if (p.kind === "file") {
    const read = await readText(ctx, p);
    if (!read.ok) return read.result;
    before = read.text;
  }
  const refusal = await guard(ctx, p, before, text);
  if (refusal) return refusedByGuard(p, refusal);
  await write(ctx, p, before, text);
  const n = splitLines(text).length;
  const what =
    before === null
      ? `Created ${displayPath(p)} (${n} lines).`
      : `Overwrote ${displayPath(p)}: it had ${splitLines(before).length} lines, now ${n}.`;
  return { output: what, isError: false, changedFiles: [p.rel] };
}

async function strReplace(
  ctx: ToolContext,
  p: ResolvedPath,
  oldStr: string,
  newStr: string,
): Promise<ToolResultData> {
  const read = await readText(ctx, p);
  if (!read.ok) return read.result;
  const before = read.text;
  const name = displayPath(p);
  if (oldStr === newStr) return fail("old_str and new_str are identical; nothing would change");

  let occ = findOccurrences(before, oldStr);
  // Windows line endings: the model writes \n, the file has \r\n.
  if (occ.length === 0 && before.includes("\r\n") && !oldStr.includes("\r")) {
    const crlfOld = oldStr.replace(/\n/g, "\r\n");
    const crlfOcc = findOccurrences(before, crlfOld);
    if (crlfOcc.length > 0) {
      oldStr = crlfOld;
      newStr = newStr.replace(/\r?\n/g, "\r\n");
      occ = crlfOcc;
    }
  }

  if (occ.length === 0) return fail(noMatchMessage(before, oldStr, name));
  if (occ.length > 1) {
    const at = occ.map((o) => lineOfOffset(before, o));
    return fail(
      `old_str occurs ${occ.length} times in ${name}, starting at lines ${at.join(", ")}; ` +
        "it must be unique: include more surrounding lines in old_str.",
    );
  }
  const offset = occ[0]!;
  const after = before.slice(0, offset) + newStr + before.slice(offset + oldStr.length);
  const refusal = await guard(ctx, p, before, after);
  if (refusal) return refusedByGuard(p, refusal);
  await write(ctx, p, before, after);
  const first = lineOfOffset(after, offset);
  const last = first + Math.max(0, splitLines(newStr).length - 1);
  return {
    output: `Edited ${name}. The region now reads:\n${snippet(after, first, last)}\nCheck the result; undo_edit reverts it.`,
    isError: false,
    changedFiles: [p.rel],
  };
}

/** The explanation for an old_str that matches nowhere, with the nearest candidates. */
export function noMatchMessage(content: string, oldStr: string, name: string): string {
  const lines = splitLines(content);
  const candidates = findCandidates(content, oldStr, 3);
  const head = `No match for old_str in ${name}: it must match the file exactly, including whitespace and indentation.`;
  if (candidates.length === 0) {
    return `${head} No similar lines were found; view the file to check its current content.`;
  }
  const parts = candidates.map((c) => {
    const to = Math.min(c.endLine, c.line + 9);
    const label = c.whitespaceOnly
      ? `Lines ${c.line}-${c.endLine} match if whitespace is ignored (check the indentation):`
      : `Lines ${c.line}-${c.endLine} are similar (${Math.round(c.score * 100)}%):`;
    return `${label}\n${numberLines(lines, c.line, to)}`;
  });
  return `${head} The nearest candidates:\n${parts.join("\n")}`;
}

async function insert(
  ctx: ToolContext,
  p: ResolvedPath,
  at: number,
  newStr: string,
): Promise<ToolResultData> {
  const read = await readText(ctx, p);
  if (!read.ok) return read.result;
  const before = read.text;
  const lines = splitLines(before);
  if (at > lines.length) {
    return fail(
      `insert_line ${at} is out of range: ${displayPath(p)} has ${lines.length} lines (0 inserts at the top)`,
    );
  }
  if (newStr === "") return fail("new_str is empty; nothing to insert");
  const added = splitLines(newStr.endsWith("\n") ? newStr : `${newStr}\n`);
  const joined = [...lines.slice(0, at), ...added, ...lines.slice(at)].join("\n");
  // Keep the file's final newline as it was (and end with one if the file was empty).
  const finalNewline =
    before === "" || before.endsWith("\n") || (at === lines.length && newStr.endsWith("\n"));
  const after = finalNewline ? `${joined}\n` : joined;
  const refusal = await guard(ctx, p, before, after);
  if (refusal) return refusedByGuard(p, refusal);
  await write(ctx, p, before, after);
  return {
    output: `Inserted ${added.length} line(s) into ${displayPath(p)} after line ${at}:\n${snippet(after, at + 1, at + added.length)}`,
    isError: false,
    changedFiles: [p.rel],
  };
}

async function undo(ctx: ToolContext, p: ResolvedPath): Promise<ToolResultData> {
  const history = ctx.state.editHistory.get(p.rel);
  if (!history || history.length === 0) return fail(`no edit of ${displayPath(p)} to undo`);
  const previous = history.pop()!;
  if (history.length === 0) ctx.state.editHistory.delete(p.rel);
  let output: string;
  if (previous === null) {
    const r = await ctx.sandbox.execOnce(`rm -f -- ${shellQuote(p.abs)}`);
    if (r.exitCode !== 0) {
      history.push(previous);
      ctx.state.editHistory.set(p.rel, history);
      return fail(`could not delete ${displayPath(p)}: ${r.stderr.trim()}`);
    }
    output = `Undid the creation of ${displayPath(p)}: the file was deleted.`;
  } else {
    await ctx.sandbox.writeFile(p.abs, previous);
    output = `Undid the last edit of ${displayPath(p)}: restored its previous content (${splitLines(previous).length} lines).`;
  }
  await refreshSnapshot(ctx).catch(() => undefined);
  return { output, isError: false, changedFiles: [p.rel] };
}
