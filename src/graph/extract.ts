/**
 * Symbol and edge extraction from one parsed file, driven by the language's query (tags.scm +
 * our extras). Backend-agnostic: it only uses `SyntaxNode`, so native and WASM parses give the
 * same result. Qualified names use "." between containers in every language.
 */
import { maskSpecifierMacros } from "./c-macros.js";
import type { LanguageId } from "./languages.js";
import type { LoadedLanguage, NodeList, SyntaxNode } from "./parser.js";

export type SymbolKind =
  | "module"
  | "class"
  | "interface"
  | "type"
  | "enum"
  | "function"
  | "method"
  | "variable"
  | "constant"
  | "field"
  | "macro";

export interface ExtractedSymbol {
  name: string;
  qualifiedName: string;
  kind: SymbolKind;
  /** 1-based lines, 0-based columns. */
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  signature: string;
  doc: string;
  /** Index of the enclosing symbol in the same file, -1 for top level. */
  parent: number;
}

export type RefKind = "call" | "reference";

export interface ExtractedRef {
  name: string;
  kind: RefKind;
  line: number;
  col: number;
  /** Index of the innermost enclosing symbol, -1 at file level. */
  from: number;
  /** The receiver/path text before the name (`os.path` in `os.path.join()`), "" when none. */
  qualifier: string;
}

export interface ExtractedImport {
  /** The module as written: "os.path", "./util", "github.com/x/y", "crate::a::b", "..pkg". */
  module: string;
  /** Names imported from it (`from m import a, b`, `import {a} from`), "*" for wildcards. */
  names: string[];
  alias: string;
  line: number;
  /** "mod" for Rust `mod foo;` declarations. */
  kind: "import" | "mod";
}

export interface ExtractedInherit {
  cls: number;
  base: string;
  line: number;
}

export interface FileExtraction {
  language: LanguageId;
  symbols: ExtractedSymbol[];
  refs: ExtractedRef[];
  imports: ExtractedImport[];
  inherits: ExtractedInherit[];
  /** Number of ERROR/MISSING nodes; > 0 means the extraction is partial. */
  errorCount: number;
  lineCount: number;
}

const KIND_ALIASES: Record<string, SymbolKind> = {
  class: "class",
  interface: "interface",
  type: "type",
  enum: "enum",
  function: "function",
  method: "method",
  module: "module",
  constant: "constant",
  variable: "variable",
  field: "field",
  macro: "macro",
};

/** When two patterns tag the same node, the more specific kind wins. */
const KIND_RANK: Record<SymbolKind, number> = {
  method: 9,
  interface: 8,
  enum: 8,
  class: 7,
  type: 6,
  module: 6,
  function: 5,
  macro: 4,
  constant: 3,
  field: 3,
  variable: 2,
};

const CLASS_LIKE = new Set<SymbolKind>(["class", "interface", "enum", "type"]);
const VALUE_KINDS = new Set<SymbolKind>(["variable", "constant", "field"]);
const FUNCTION_LIKE = new Set<SymbolKind>(["function", "method"]);
const IGNORED_REF_NAMES = new Set(["self", "cls", "this", "super", "true", "false", "None", "null", "nil"]);
const DECLARATOR_TYPES = new Set([
  "function_declarator",
  "pointer_declarator",
  "reference_declarator",
  "parenthesized_declarator",
]);

/** Grammars without C-style declarators: their definition nodes never need widening. */
const NO_DECLARATORS = new Set<LanguageId>(["python", "javascript", "typescript", "tsx"]);

interface RawDef {
  node: SyntaxNode;
  nameNode: SyntaxNode;
  kind: SymbolKind;
  start: number;
  end: number;
}

function nodeKey(n: SyntaxNode): string {
  return `${n.startIndex}:${n.endIndex}:${n.type}`;
}

/** C/C++ tags point at the declarator; widen to the whole definition for span and signature. */
function widenDeclarator(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.parent && DECLARATOR_TYPES.has(n.parent.type)) n = n.parent;
  if (
    n.parent &&
    (n.parent.type === "function_definition" ||
      n.parent.type === "declaration" ||
      n.parent.type === "field_declaration")
  ) {
    return n.parent;
  }
  return node.type === "function_declarator" ? n : node;
}

function collapse(s: string, max: number): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function signatureOf(node: SyntaxNode, source: string): string {
  const body = node.childForFieldName("body");
  let end = body && body.startIndex > node.startIndex ? body.startIndex : node.endIndex;
  if (!body) {
    const nl = source.indexOf("\n", node.startIndex);
    if (nl >= 0 && nl < end) end = nl;
  }
  return collapse(source.slice(node.startIndex, end), 240).replace(/\s*[{:]$/, "");
}

function stripCommentMarkers(text: string): string {
  return text
    .split("\n")
    .map((l) =>
      l
        .trim()
        .replace(/^(\/\/\/?|\/\*\*?|\*\/|\*|#+|--)\s?/, "")
        .replace(/\*\/$/, ""),
    )
    .join("\n")
    .trim();
}

function docOf(node: SyntaxNode, language: LanguageId): string {
  if (language === "python") {
    const body = node.childForFieldName("body");
    // firstNamedChild, not namedChildren[0]: the latter makes a node for every statement.
    const first = body?.firstNamedChild;
    if (first?.type === "expression_statement") {
      const s = first.firstNamedChild;
      if (s?.type === "string") {
        return collapse(s.text.replace(/^[rbuRBU]*("""|'''|"|')/, "").replace(/("""|'''|"|')$/, ""), 600);
      }
    }
  }
  // Comments directly above the definition (or above its export/decorator wrapper).
  let anchor: SyntaxNode = node;
  while (
    anchor.parent &&
    (anchor.parent.type === "export_statement" ||
      anchor.parent.type === "decorated_definition" ||
      anchor.parent.type === "lexical_declaration" ||
      anchor.parent.type === "variable_declaration")
  ) {
    anchor = anchor.parent;
  }
  const parts: string[] = [];
  let row = anchor.startPosition.row;
  for (let p = anchor.previousSibling; p && /comment/.test(p.type); p = p.previousSibling) {
    if (p.endPosition.row < row - 1) break;
    parts.unshift(p.text);
    row = p.startPosition.row;
  }
  return parts.length ? collapse(stripCommentMarkers(parts.join("\n")), 600) : "";
}

const IDENT_CHAR = /[\p{ID_Continue}$]/u;

function skipSpaceBack(source: string, i: number): number {
  let c = source.charCodeAt(i - 1);
  while (i > 0 && (c === 32 || c === 9 || c === 10 || c === 13)) c = source.charCodeAt(--i - 1);
  return i;
}

/** Length of the member/scope separator ending at `i` (`.`, `?.`, `&.`, `::`, `->`, `\\`), or 0. */
function separatorBefore(source: string, i: number): number {
  const c = source.charCodeAt(i - 1);
  if (c === 46 /* . */) {
    const p = source.charCodeAt(i - 2);
    return p === 63 /* ? */ || p === 38 /* & */ ? 2 : 1;
  }
  if (c === 58 /* : */) return source.charCodeAt(i - 2) === 58 ? 2 : 0;
  if (c === 62 /* > */) return source.charCodeAt(i - 2) === 45 /* - */ ? 2 : 0;
  return c === 92 /* \ */ ? 1 : 0;
}

/**
 * The receiver written before a member name, read from the text: `os.path` in `os.path.join`,
 * `self` in `self.x`, `a::b` in `a::b::c`. "" when the receiver is not a plain dotted or scoped
 * name (a call result, an index, a literal) — resolution only uses its last name anyway.
 */
/** The receiver of a member reached through an expression (`make().h`, `xs[0].h`). */
export const EXPR_RECEIVER = "<expr>";

function qualifierBefore(source: string, start: number): string {
  let i = skipSpaceBack(source, start);
  let sep = separatorBefore(source, i);
  if (!sep) return "";
  const end = skipSpaceBack(source, i - sep);
  i = end;
  let begin = -1;
  for (;;) {
    let j = i;
    while (j > 0 && IDENT_CHAR.test(source[j - 1]!)) j--;
    if (j === i) break;
    begin = j;
    if (end - begin > 80) return "";
    const k = skipSpaceBack(source, j);
    sep = separatorBefore(source, k);
    if (!sep) break;
    i = skipSpaceBack(source, k - sep);
  }
  return begin < 0 ? "" : source.slice(begin, end).replace(/\s+/g, "");
}

/** Extra container names that are not definitions themselves (Rust impl, Go receivers, C++ scopes). */
function implicitContainer(def: RawDef, language: LanguageId): string {
  const n = def.node;
  if (language === "go" && n.type === "method_declaration") {
    const recv = n.childForFieldName("receiver");
    const m = recv?.text.match(/([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*\)\s*$/);
    return m?.[1] ?? "";
  }
  if (language === "rust") {
    for (let p = n.parent; p; p = p.parent) {
      if (p.type === "impl_item") {
        const t = p.childForFieldName("type");
        return t ? t.text.replace(/<.*$/s, "") : "";
      }
      if (p.type === "function_item" || p.type === "mod_item") break;
    }
  }
  if (language === "cpp") {
    const q = def.nameNode.parent;
    if (q?.type === "qualified_identifier") {
      const scope = q.childForFieldName("scope");
      if (scope) return scope.text.replace(/<.*$/s, "").replace(/::/g, ".");
    }
  }
  return "";
}

function countErrors(root: SyntaxNode, limit = 1000): number {
  if (!root.hasError) return 0;
  let count = 0;
  const stack: SyntaxNode[] = [root];
  while (stack.length && count < limit) {
    const n = stack.pop()!;
    if (n.type === "ERROR" || n.isMissing) {
      count++;
      if (n.type === "ERROR") continue;
    }
    for (const c of n.children) if (c.hasError || c.isMissing) stack.push(c);
  }
  return count;
}

function stripQuotes(s: string): string {
  return s.replace(/^[`"'<]/, "").replace(/[`"'>]$/, "");
}

export function extractFile(lang: LoadedLanguage, source: string): FileExtraction {
  // C/C++: attribute-like macros masked first (same offsets), or they derail the grammar.
  const text = lang.id === "c" || lang.id === "cpp" ? maskSpecifierMacros(source) : source;
  const tree = lang.parse(text);
  try {
    return extractTree(lang, tree.root, text);
  } finally {
    tree.dispose();
  }
}

const IDENT_AT = /[\p{ID_Continue}$\u200c\u200d]+/uy;
const IDENT_AT_RUBY = /[\p{ID_Continue}$\u200c\u200d]+[?!]?/uy;

/** A name node's text: read from the source at its start when it is an identifier token. */
function nameText(list: NodeList, i: number, start: number, source: string, ruby: boolean): string {
  const re = ruby ? IDENT_AT_RUBY : IDENT_AT;
  re.lastIndex = start;
  const m = re.exec(source);
  const next = m ? source.charCodeAt(start + m[0].length) : 0;
  // `r#raw` identifiers and the like: let the tree answer.
  if (m && next !== 35 /* # */ && next !== 39 /* ' */) return m[0];
  return list.node(i).text;
}

/** Whether the token before `start` is a member/scope separator (`.`, `::`, `->`, `?.`, `&.`). */
function afterSeparator(source: string, start: number): boolean {
  return separatorBefore(source, skipSpaceBack(source, start)) > 0;
}

interface RawRef {
  list: NodeList;
  i: number;
  kind: RefKind;
  start: number;
  row: number;
  col: number;
}

export function extractTree(lang: LoadedLanguage, root: SyntaxNode, source: string): FileExtraction {
  const language = lang.id;
  const { nodes, matches } = lang.matches(root);

  const defsByKey = new Map<string, RawDef>();
  const rawRefs: RawRef[] = [];
  const importGroups = new Map<number, ExtractedImport>();
  const rawInherits: Array<{ cls: SyntaxNode; base: string }> = [];

  for (const m of matches) {
    let defNode: SyntaxNode | null = null;
    let defKind: SymbolKind | null = null;
    let refKind: RefKind | null = null;
    let nameIndex = -1;
    let stmt: SyntaxNode | null = null;
    let mod: SyntaxNode | null = null;
    let modDecl: SyntaxNode | null = null;
    let alias = "";
    const names: string[] = [];
    let inhClass: SyntaxNode | null = null;
    const bases: string[] = [];
    for (const c of m.captures) {
      const cn = c.name;
      if (cn === "name") nameIndex = c.i;
      else if (cn.startsWith("definition.")) {
        defNode = nodes.node(c.i);
        defKind = KIND_ALIASES[cn.slice(11)] ?? null;
      } else if (cn.startsWith("reference.")) {
        const k = cn.slice(10);
        refKind = k === "call" || k === "send" ? "call" : "reference";
      } else if (cn === "import.statement") stmt = nodes.node(c.i);
      else if (cn === "import.module") mod = nodes.node(c.i);
      else if (cn === "import.mod") modDecl = nodes.node(c.i);
      else if (cn === "import.name") names.push(nodes.node(c.i).text);
      else if (cn === "import.alias") alias = nodes.node(c.i).text;
      else if (cn === "inherit.class") inhClass = nodes.node(c.i);
      else if (cn === "inherit.base") bases.push(nodes.node(c.i).text);
    }
    if (defNode && defKind && nameIndex >= 0) {
      const node = NO_DECLARATORS.has(language) ? defNode : widenDeclarator(defNode);
      const start = node.startIndex;
      const end = node.endIndex;
      const key = `${start}:${end}:${node.type}`;
      const prev = defsByKey.get(key);
      if (!prev || KIND_RANK[defKind] > KIND_RANK[prev.kind])
        defsByKey.set(key, { node, nameNode: nodes.node(nameIndex), kind: defKind, start, end });
    } else if (refKind && nameIndex >= 0) {
      rawRefs.push({
        list: nodes,
        i: nameIndex,
        kind: refKind,
        start: nodes.start(nameIndex),
        row: nodes.row(nameIndex),
        col: nodes.col(nameIndex),
      });
    } else if (stmt && (mod || modDecl)) {
      const g = importGroups.get(stmt.startIndex) ?? {
        module: modDecl ? modDecl.text : stripQuotes(mod!.text),
        names: [],
        alias: "",
        line: stmt.startPosition.row + 1,
        kind: modDecl ? ("mod" as const) : ("import" as const),
      };
      for (const n of names) if (!g.names.includes(n)) g.names.push(n);
      if (alias && !names.length) g.alias = alias;
      importGroups.set(stmt.startIndex, g);
    } else if (inhClass) {
      for (const b of bases) rawInherits.push({ cls: inhClass, base: b });
    }
  }

  // Bare reference patterns: every node of the type, collected in one native call. After the
  // query's own references: at one position, those win (they come first in the query).
  const byKind = new Map<RefKind, string[]>();
  for (const b of lang.bareRefs) {
    const k: RefKind = b.kind === "call" || b.kind === "send" ? "call" : "reference";
    byKind.set(k, [...(byKind.get(k) ?? []), b.type]);
  }
  for (const [kind, types] of byKind) {
    const list = lang.descendants(root, types);
    for (let i = 0; i < list.length; i++)
      rawRefs.push({ list, i, kind, start: list.start(i), row: list.row(i), col: list.col(i) });
  }

  // Definitions in source order; a definition's parent is the innermost one whose span contains
  // it (spans of tree nodes nest). Equal spans cannot be ordered that way: the tree decides.
  const raw = [...defsByKey.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  let indexByKey: Map<string, number> | null = null;
  const parentInTree = (d: RawDef): number => {
    if (!indexByKey) {
      indexByKey = new Map();
      for (const [i, r] of raw.entries()) indexByKey.set(nodeKey(r.node), i);
    }
    for (let p = d.node.parent; p; p = p.parent) {
      const i = indexByKey.get(nodeKey(p));
      if (i !== undefined) return i;
    }
    return -1;
  };
  const parents: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const d = raw[i]!;
    while (open.length && raw[open[open.length - 1]!]!.end <= d.start) open.pop();
    while (open.length && raw[open[open.length - 1]!]!.end < d.end) open.pop();
    const top = open.length ? raw[open[open.length - 1]!]! : undefined;
    const tie =
      (top && top.start === d.start && top.end === d.end) ||
      (i + 1 < raw.length && raw[i + 1]!.start === d.start && raw[i + 1]!.end === d.end);
    parents.push(tie ? parentInTree(d) : open.length ? open[open.length - 1]! : -1);
    open.push(i);
  }
  // Locals (variables inside functions) are not symbols. Nor is a C/C++ declaration with a
  // function declarator inside a function: `buffer b(data, size);` declares a variable (C and C++
  // define no functions in a body; a local prototype is not worth a symbol).
  const insideFunction = (i: number) => {
    for (let p = parents[i]!; p >= 0; p = parents[p]!) if (FUNCTION_LIKE.has(raw[p]!.kind)) return true;
    return false;
  };
  const keep = raw.map((d, i) => {
    if (VALUE_KINDS.has(d.kind)) return !insideFunction(i);
    if (FUNCTION_LIKE.has(d.kind) && d.node.type === "declaration") return !insideFunction(i);
    return true;
  });
  const newIndex = new Array<number>(raw.length).fill(-1);
  const symbols: ExtractedSymbol[] = [];
  const defNameStarts = new Set<number>();
  const symNameStart: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (!keep[i]) continue;
    const d = raw[i]!;
    let parent = parents[i]!;
    while (parent >= 0 && !keep[parent]) parent = parents[parent]!;
    const parentIdx = parent >= 0 ? newIndex[parent]! : -1;
    const parentSym = parentIdx >= 0 ? symbols[parentIdx] : undefined;
    let kind = d.kind;
    if (kind === "function" && parentSym && CLASS_LIKE.has(parentSym.kind)) kind = "method";
    const name = d.nameNode.text;
    const implicit = implicitContainer(d, language);
    if (implicit && kind === "function") kind = "method";
    const prefix = parentSym ? parentSym.qualifiedName : implicit;
    newIndex[i] = symbols.length;
    defNameStarts.add(d.nameNode.startIndex);
    symNameStart.push(d.nameNode.startIndex);
    symbols.push({
      name,
      qualifiedName: prefix ? `${prefix}.${name}` : name,
      kind,
      line: d.node.startPosition.row + 1,
      col: d.node.startPosition.column,
      endLine: d.node.endPosition.row + 1,
      endCol: d.node.endPosition.column,
      signature: signatureOf(d.node, source),
      doc: docOf(d.node, language),
      parent: parentIdx,
    });
  }

  // References: innermost enclosing symbol by a sweep over sorted spans.
  const spans = symbols
    .map((s, i) => ({ i, start: lineColKey(s.line, s.col), end: lineColKey(s.endLine, s.endCol) }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  // Stable sort by position: a node captured twice keeps its first (query-order) kind, as before.
  rawRefs.sort((a, b) => a.start - b.start);
  const refs: ExtractedRef[] = [];
  const seen = new Set<string>();
  const stack: Array<{ i: number; end: number }> = [];
  const ruby = language === "ruby";
  let si = 0;
  for (const r of rawRefs) {
    if (defNameStarts.has(r.start)) continue;
    const name = nameText(r.list, r.i, r.start, source, ruby);
    if ((name.length < 2 && r.kind !== "call") || name.length > 100 || IGNORED_REF_NAMES.has(name)) continue;
    const line = r.row + 1;
    const pos = lineColKey(line, r.col);
    while (si < spans.length && spans[si]!.start <= pos) {
      const sp = spans[si++]!;
      while (stack.length && stack[stack.length - 1]!.end <= sp.start) stack.pop();
      stack.push({ i: sp.i, end: sp.end });
    }
    while (stack.length && stack[stack.length - 1]!.end <= pos) stack.pop();
    const from = stack.length ? stack[stack.length - 1]!.i : -1;
    // One call edge per (enclosing symbol, name, receiver) at its first line: a function that
    // calls `foo` ten times is one caller of `foo` (per-site rows were half the database). Plain
    // references once per (enclosing symbol, name), and none beside a call of that name.
    const qualifier = afterSeparator(source, r.start)
      ? qualifierBefore(source, r.start) || EXPR_RECEIVER
      : "";
    const key = r.kind === "call" ? `c:${from}:${name}:${qualifier}` : `r:${from}:${name}`;
    if (seen.has(key) || (r.kind === "reference" && seen.has(`c:${from}:${name}`))) continue;
    seen.add(key);
    if (r.kind === "call") seen.add(`c:${from}:${name}`);
    refs.push({ name, kind: r.kind, line, col: r.col, from, qualifier });
  }

  const inherits: ExtractedInherit[] = [];
  for (const h of rawInherits) {
    let cls = symNameStart.indexOf(h.cls.startIndex);
    if (cls < 0) cls = symbols.findIndex((s) => s.name === h.cls.text && CLASS_LIKE.has(s.kind));
    if (cls >= 0)
      inherits.push({ cls, base: h.base.replace(/<.*$/s, ""), line: h.cls.startPosition.row + 1 });
  }

  let lineCount = 1;
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lineCount++;
  return {
    language,
    symbols,
    refs,
    imports: [...importGroups.values()],
    inherits,
    errorCount: countErrors(root),
    lineCount,
  };
}

function lineColKey(line: number, col: number): number {
  return line * 100_000 + Math.min(col, 99_999);
}

/** ERROR and MISSING nodes of a tree, for the syntax guard. */
export function syntaxProblems(
  root: SyntaxNode,
  limit = 50,
): Array<{ line: number; col: number; missing: boolean; text: string }> {
  const out: Array<{ line: number; col: number; missing: boolean; text: string }> = [];
  if (!root.hasError) return out;
  const stack: SyntaxNode[] = [root];
  while (stack.length && out.length < limit) {
    const n = stack.pop()!;
    if (n.type === "ERROR" || n.isMissing) {
      out.push({
        line: n.startPosition.row + 1,
        col: n.startPosition.column + 1,
        missing: n.isMissing,
        text: n.isMissing ? n.type : n.text.slice(0, 80),
      });
      if (n.type === "ERROR") continue;
    }
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) {
      const c = kids[i]!;
      if (c.hasError || c.isMissing) stack.push(c);
    }
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
