/**
 * Bash syntax for the interactive-command check: parses a command with tree-sitter-bash and lists
 * the simple commands it would run, with quotes removed and with what their standard input and
 * output are connected to. Pipelines, `&&`/`||`/`;`, subshells and `{ }` groups, `if`/`while`/
 * `case`, command and process substitutions (also inside double quotes and unquoted heredoc
 * bodies), heredocs, here-strings, redirections and comments are the grammar's business; this file
 * only walks the tree.
 *
 * The grammar is loaded through the native tree-sitter binding (synchronous, fast), falling back to
 * the same grammar's WASM build through web-tree-sitter when the native one does not load.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One simple command: `NAME=value ... program args...`, its redirections already judged. */
export interface SimpleCommand {
  /** Assignments before the program word (`FOO=1 node`), quotes removed. */
  assignments: string[];
  /** The program word and its arguments, quotes removed; redirections are left out. */
  words: string[];
  /** Standard input comes from a pipe (or a `>(…)` process substitution). */
  pipeIn: boolean;
  /** Standard output goes into a pipe, a command substitution or a `<(…)` process substitution. */
  pipeOut: boolean;
  /** Standard input is redirected (`<`, `<<`, `<<<`, `<&`), by the command or an enclosing group. */
  stdinRedirected: boolean;
}

export interface ShellSyntax {
  backend: "native" | "wasm";
  /** The simple commands of a bash script, in source order. */
  simpleCommands(script: string): SimpleCommand[];
}

/** The subset of the node API that both tree-sitter backends share and the walk uses. */
interface Node {
  type: string;
  text: string;
  isNamed: boolean;
  hasError: boolean;
  startIndex: number;
  children: ReadonlyArray<Node | null>;
  childForFieldName(name: string): Node | null;
  descendantsOfType(type: string): ReadonlyArray<Node | null>;
}

interface Tree {
  root: Node;
  dispose(): void;
}

type Parse = (text: string) => Tree;

const require = createRequire(import.meta.url);

/** The grammar through the native binding, or null when it does not load on this platform. */
export function loadNativeShellSyntax(): ShellSyntax | null {
  try {
    const Parser = require("tree-sitter") as new () => {
      setLanguage(language: unknown): void;
      parse(text: string, old?: unknown, options?: { bufferSize?: number }): { rootNode: Node };
    };
    const parser = new Parser();
    parser.setLanguage(require("tree-sitter-bash"));
    return syntax("native", (text) => {
      // The binding's default buffer is too small for a long heredoc; size it to the input.
      const tree = parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
      return { root: tree.rootNode, dispose() {} };
    });
  } catch {
    return null;
  }
}

/** The grammar's WASM build through web-tree-sitter. */
export async function loadWasmShellSyntax(): Promise<ShellSyntax> {
  const { Language, Parser } = await import("web-tree-sitter");
  await Parser.init();
  const wasm = join(dirname(require.resolve("tree-sitter-bash/package.json")), "tree-sitter-bash.wasm");
  const parser = new Parser();
  parser.setLanguage(await Language.load(wasm));
  return syntax("wasm", (text) => {
    const tree = parser.parse(text);
    if (!tree) throw new Error("web-tree-sitter returned no tree for a bash command");
    return { root: tree.rootNode as unknown as Node, dispose: () => tree.delete() };
  });
}

/** The parser `detectInteractive` uses: native where it loads, else WASM (awaited at import). */
export const shellSyntax: ShellSyntax = loadNativeShellSyntax() ?? (await loadWasmShellSyntax());

function syntax(backend: ShellSyntax["backend"], parse: Parse): ShellSyntax {
  return {
    backend,
    simpleCommands(script) {
      const tree = parseScript(parse, script);
      try {
        const out: SimpleCommand[] = [];
        visit(tree.root, { pipeIn: false, pipeOut: false, stdin: false }, out);
        return out;
      } finally {
        tree.dispose();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Heredoc recovery

/**
 * tree-sitter-bash 0.25 misparses some valid heredoc lines: a `;` or `&` after the delimiter, a
 * redirection followed by `;` or `|` (`cat <<'EOF' > f; vim f`, `cat <<EOF 2>&1 | less`), two
 * heredocs on one line (tree-sitter/tree-sitter-bash#346). The error can make body lines parse as
 * commands. So when a parse has errors and holds a heredoc, the heredoc is replaced by `</dev/null`
 * and its body removed — the command's input stays redirected, the rest of its line stays code —
 * and the text parsed again, one heredoc at a time.
 */
function parseScript(parse: Parse, script: string): Tree {
  let text = script;
  for (let round = 0; ; round++) {
    const tree = parse(text);
    if (!tree.root.hasError || round >= 16) return tree;
    const start = tree.root.descendantsOfType("heredoc_start")[0];
    const next = start ? withoutHeredoc(text, start) : null;
    if (next === null) return tree;
    tree.dispose();
    text = next;
  }
}

function withoutHeredoc(text: string, start: Node): string | null {
  const op = text.lastIndexOf("<<", start.startIndex);
  if (op < 0) return null;
  const stripTabs = text[op + 2] === "-";
  // The grammar reads an unquoted delimiter up to white space (`<<EOF;` gives `EOF;`); bash ends
  // it at a metacharacter.
  const raw = start.text;
  const meta = /['"\\]/.test(raw) ? -1 : raw.search(/[;&|<>()]/);
  const delimEnd = start.startIndex + (meta < 0 ? raw.length : meta);
  const delimiter = text.slice(start.startIndex, delimEnd).replace(/['"\\]/g, "");
  const lineEnd = text.indexOf("\n", delimEnd);
  if (lineEnd < 0) return `${text.slice(0, op)}</dev/null${text.slice(delimEnd)}`;
  // The body runs to the first line that is exactly the delimiter (after leading tabs, for `<<-`).
  let end = lineEnd + 1;
  while (end < text.length) {
    const nl = text.indexOf("\n", end);
    const line = text.slice(end, nl < 0 ? text.length : nl);
    end = nl < 0 ? text.length : nl + 1;
    if ((stripTabs ? line.replace(/^\t+/, "") : line) === delimiter) break;
  }
  return `${text.slice(0, op)}</dev/null${text.slice(delimEnd, lineEnd + 1)}${text.slice(end)}`;
}

// ---------------------------------------------------------------------------------------------
// The walk

interface Ctx {
  pipeIn: boolean;
  pipeOut: boolean;
  stdin: boolean;
  /**
   * Redirections of a `redirected_statement` whose body is a list or pipeline: the grammar hangs
   * `a && b < f` and `a | b <<EOF` on the whole chain, bash on its last command.
   */
  tail?: { stdin: boolean; pipeOut: boolean };
}

const REDIRECTS = new Set(["file_redirect", "heredoc_redirect", "herestring_redirect"]);
const SKIPPED = new Set(["comment", "ERROR"]);

function kids(node: Node): Node[] {
  return node.children.filter((c): c is Node => c !== null);
}

function statements(node: Node): Node[] {
  return kids(node).filter((c) => c.isNamed && c.type !== "comment");
}

function visitChildren(node: Node, ctx: Ctx, out: SimpleCommand[]): void {
  for (const c of kids(node)) visit(c, ctx, out);
}

function visit(node: Node, outer: Ctx, out: SimpleCommand[]): void {
  let ctx = outer;
  if (ctx.tail && node.type !== "list" && node.type !== "pipeline") {
    ctx = {
      pipeIn: ctx.pipeIn,
      pipeOut: ctx.pipeOut || ctx.tail.pipeOut,
      stdin: ctx.stdin || ctx.tail.stdin,
    };
  }
  const plain: Ctx = { pipeIn: ctx.pipeIn, pipeOut: ctx.pipeOut, stdin: false };
  switch (node.type) {
    case "command":
      out.push(simpleCommand(node, ctx));
      visitChildren(node, plain, out); // substitutions in its words
      return;
    case "pipeline": {
      const parts = statements(node);
      // A pipeline that continues a heredoc line (`cat <<EOF | less`) starts with its `|`.
      const first = kids(node)[0]?.type;
      const continued = first === "|" || first === "|&";
      parts.forEach((part, i) => {
        const last = i === parts.length - 1;
        visit(
          part,
          {
            pipeIn: i > 0 || continued || ctx.pipeIn,
            pipeOut: !last || ctx.pipeOut,
            stdin: i === 0 && !continued && ctx.stdin,
            ...(last && ctx.tail ? { tail: ctx.tail } : {}),
          },
          out,
        );
      });
      return;
    }
    case "list": {
      const parts = statements(node);
      parts.forEach((part, i) => {
        const last = i === parts.length - 1;
        visit(part, { ...plain, stdin: ctx.stdin, ...(last && ctx.tail ? { tail: ctx.tail } : {}) }, out);
      });
      return;
    }
    case "redirected_statement": {
      const body = node.childForFieldName("body");
      const redirects = kids(node).filter((c) => REDIRECTS.has(c.type));
      const stdin = redirects.some(readsStdin);
      const pipeOut = redirects.some(continuesInPipe);
      if (body) {
        if (body.type === "list" || body.type === "pipeline") {
          visit(body, { ...plain, stdin: ctx.stdin, tail: { stdin, pipeOut } }, out);
        } else {
          visit(
            body,
            { pipeIn: ctx.pipeIn, pipeOut: ctx.pipeOut || pipeOut, stdin: ctx.stdin || stdin },
            out,
          );
        }
      }
      // Redirections hold substitutions and the commands that continue a heredoc's line.
      for (const r of redirects) visit(r, plain, out);
      return;
    }
    case "command_substitution":
      visitChildren(node, { pipeIn: false, pipeOut: true, stdin: false }, out);
      return;
    case "process_substitution": {
      const input = node.text.startsWith(">(");
      visitChildren(node, { pipeIn: input, pipeOut: !input, stdin: false }, out);
      return;
    }
    default:
      visitChildren(node, { ...plain, stdin: ctx.stdin }, out);
  }
}

function simpleCommand(node: Node, ctx: Ctx): SimpleCommand {
  const cmd: SimpleCommand = {
    assignments: [],
    words: [],
    pipeIn: ctx.pipeIn,
    pipeOut: ctx.pipeOut,
    stdinRedirected: ctx.stdin,
  };
  for (const c of kids(node)) {
    if (c.type === "variable_assignment") {
      const name = c.childForFieldName("name")?.text;
      const value = c.childForFieldName("value");
      cmd.assignments.push(name === undefined ? c.text : `${name}=${value ? wordValue(value) : ""}`);
    } else if (REDIRECTS.has(c.type)) {
      if (readsStdin(c)) cmd.stdinRedirected = true;
    } else if (c.type === "command_name") {
      const w = kids(c).find((x) => x.isNamed);
      cmd.words.push(wordValue(w ?? c));
    } else if (c.isNamed && !SKIPPED.has(c.type)) {
      cmd.words.push(wordValue(c));
    }
  }
  return cmd;
}

/** Whether a redirection replaces standard input (file descriptor 0). */
function readsStdin(r: Node): boolean {
  const fd = r.childForFieldName("descriptor")?.text;
  if (fd !== undefined && fd !== "0") return false;
  if (r.type !== "file_redirect") return true; // heredoc or here-string
  const op = kids(r).find((c) => !c.isNamed);
  return op?.type.startsWith("<") ?? false;
}

/** A heredoc whose line goes on into a pipe: `cat <<EOF | less`. */
function continuesInPipe(r: Node): boolean {
  if (r.type !== "heredoc_redirect") return false;
  return kids(r).some((c) => {
    const first = c.type === "pipeline" ? kids(c)[0]?.type : undefined;
    return first === "|" || first === "|&";
  });
}

/** A word's value after quote removal; expansions are kept as written. */
function wordValue(n: Node): string {
  const t = n.text;
  switch (n.type) {
    case "word":
      return t.replace(/\\(.)/gs, (_, c: string) => (c === "\n" ? "" : c));
    case "raw_string":
      return t.slice(1, -1);
    case "string":
      return t.slice(1, -1).replace(/\\([$`"\\\n])/g, (_, c: string) => (c === "\n" ? "" : c));
    case "ansi_c_string":
    case "translated_string":
      return t.slice(2, -1).replace(/\\(.)/gs, "$1");
    case "concatenation":
      return kids(n).map(wordValue).join("");
    default:
      return t;
  }
}
