/**
 * Two parsing backends behind one small interface: the native tree-sitter node bindings (fast,
 * the default) and web-tree-sitter (WASM) as the fallback when a native grammar does not load.
 * Extraction only sees `SyntaxNode`, the subset of the node API both backends share.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { type LanguageId, languageSpec, querySource } from "./languages.js";

export interface Point {
  row: number;
  column: number;
}

export interface SyntaxNode {
  type: string;
  startIndex: number;
  endIndex: number;
  startPosition: Point;
  endPosition: Point;
  text: string;
  parent: SyntaxNode | null;
  childCount: number;
  namedChildren: SyntaxNode[];
  firstNamedChild: SyntaxNode | null;
  children: SyntaxNode[];
  previousNamedSibling: SyntaxNode | null;
  previousSibling: SyntaxNode | null;
  hasError: boolean;
  isMissing: boolean;
  descendantsOfType(types: string | string[]): SyntaxNode[];
  childForFieldName(name: string): SyntaxNode | null;
  child(i: number): SyntaxNode | null;
}

/**
 * Nodes returned by one native call, read by index. Positions come without creating node
 * objects (the expensive part of the native binding on big files); `node(i)` makes the object
 * when extraction needs more than where the node starts.
 */
export interface NodeList {
  readonly length: number;
  /** Start offset in UTF-16 code units, 0-based row and column. */
  start(i: number): number;
  row(i: number): number;
  col(i: number): number;
  node(i: number): SyntaxNode;
}

export interface QueryCapture {
  name: string;
  /** Index into the match set's `nodes`. */
  i: number;
}

export interface QueryMatch {
  pattern: number;
  captures: QueryCapture[];
}

export interface MatchSet {
  nodes: NodeList;
  matches: QueryMatch[];
}

export interface ParsedTree {
  root: SyntaxNode;
  /** Frees the tree (WASM memory); a no-op for native trees. */
  dispose(): void;
}

export type BackendKind = "native" | "wasm";

export interface LoadedLanguage {
  id: LanguageId;
  backend: BackendKind;
  parse(text: string): ParsedTree;
  matches(root: SyntaxNode): MatchSet;
  /**
   * Native only: whether node positions are read from the binding's raw transfer fields (false
   * after the self-check disagreed, or with FIXPOINT_GRAPH_RAW_NODES=0).
   */
  readonly rawNodes?: boolean;
  /** Every node of the given types under `root`, in document order. */
  descendants(root: SyntaxNode, types: string[]): NodeList;
  /**
   * Node types captured by bare patterns `(T) @name @reference.K` in the query file. Such a
   * pattern matches every node of type T, so these are collected with one `descendantsOfType`
   * call instead of the query engine (same nodes, a fraction of the cost); the kind is `K`.
   */
  bareRefs: Array<{ type: string; kind: string }>;
}

const BARE_REF = /^\s*\(?\((\w+)\)\s+@name\s+@reference\.(\w+)\)?\s*$/;

/** Splits the bare `(T) @name @reference.K` patterns out of a query source. */
export function splitBareRefs(source: string): {
  query: string;
  bareRefs: Array<{ type: string; kind: string }>;
} {
  const bareRefs: Array<{ type: string; kind: string }> = [];
  const kept: string[] = [];
  for (const line of source.split("\n")) {
    const m = BARE_REF.exec(line);
    if (m) bareRefs.push({ type: m[1]!, kind: m[2]! });
    else kept.push(line);
  }
  return { query: kept.join("\n"), bareRefs };
}

const require = createRequire(import.meta.url);

interface NativeParser {
  setLanguage(lang: unknown): void;
  parse(input: string, old?: unknown, options?: { bufferSize?: number }): { rootNode: SyntaxNode };
}
interface NativeQuery {
  matches(node: SyntaxNode): Array<{ pattern: number; captures: Array<{ name: string; node: SyntaxNode }> }>;
  predicates: Array<Array<(captures: Array<{ name: string; node: SyntaxNode }>) => boolean>>;
}
interface NativeModule {
  new (): NativeParser;
  Query: new (lang: unknown, source: string) => NativeQuery;
}

/** A list over node objects (the WASM backend, and the native one without the raw path). */
function objectNodeList(nodes: SyntaxNode[]): NodeList {
  return {
    length: nodes.length,
    start: (i) => nodes[i]!.startIndex,
    row: (i) => nodes[i]!.startPosition.row,
    col: (i) => nodes[i]!.startPosition.column,
    node: (i) => nodes[i]!,
  };
}

function objectMatchSet(
  raw: Array<{ pattern: number; captures: Array<{ name: string; node: SyntaxNode }> }>,
): MatchSet {
  const nodes: SyntaxNode[] = [];
  const matches = raw.map((m) => ({
    pattern: m.pattern,
    captures: m.captures.map((c) => ({ name: c.name, i: nodes.push(c.node) - 1 })),
  }));
  return { nodes: objectNodeList(nodes), matches };
}

/**
 * The raw path of the native binding (tree-sitter 0.25). Its public `matches()` and
 * `descendantsOfType()` turn every returned node into an object registered in a per-tree weak
 * cache; on a large repository that is most of the extraction time and garbage. The binding's
 * own functions return each node as six uint32 fields (id, then start byte, row, byte column,
 * ...) in a shared transfer array: we read positions from those fields and make an object only
 * for the nodes extraction looks into. A self-check against the public API on the first use
 * turns the raw path off for good if the layout is not what we expect.
 */
const FIELD_COUNT = 6;

interface NativeBinding {
  nodeTransferArray: Uint32Array;
  NodeMethods: { descendantsOfType(tree: unknown, types: string[]): unknown[] };
}

type NodeClass = new (tree: unknown) => SyntaxNode;

class RawNodeList implements NodeList {
  readonly length: number;
  private readonly fields: Uint32Array;
  private readonly typeIds: Uint16Array;
  private readonly objects: Array<SyntaxNode | undefined>;

  constructor(
    entries: unknown[],
    transfer: Uint32Array,
    private readonly tree: unknown,
    private readonly classes: NodeClass[],
    private readonly baseClass: NodeClass,
  ) {
    const n = entries.length;
    this.length = n;
    this.fields = new Uint32Array(n * FIELD_COUNT);
    this.typeIds = new Uint16Array(n);
    this.objects = new Array(n);
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      const at = i * FIELD_COUNT;
      if (typeof e === "number") {
        // A node not yet seen by JavaScript: its fields are the next slot of the transfer array.
        this.typeIds[i] = e;
        this.fields.set(transfer.subarray(offset, offset + FIELD_COUNT), at);
        offset += FIELD_COUNT;
      } else if (e && typeof e === "object") {
        // A node object the binding already had in its cache.
        const o = e as unknown as Record<number, number>;
        for (let k = 0; k < FIELD_COUNT; k++) this.fields[at + k] = o[k]!;
        this.objects[i] = e as SyntaxNode;
      }
    }
  }

  start(i: number): number {
    return this.fields[i * FIELD_COUNT + 2]! >>> 1;
  }
  row(i: number): number {
    return this.fields[i * FIELD_COUNT + 3]!;
  }
  col(i: number): number {
    return this.fields[i * FIELD_COUNT + 4]! >>> 1;
  }
  node(i: number): SyntaxNode {
    let o = this.objects[i];
    if (!o) {
      const C = this.classes[this.typeIds[i]!] ?? this.baseClass;
      o = new C(this.tree);
      const f = o as unknown as Record<number, number>;
      for (let k = 0; k < FIELD_COUNT; k++) f[k] = this.fields[i * FIELD_COUNT + k]!;
      this.objects[i] = o;
    }
    return o;
  }
}

interface RawAccess {
  descendants(root: SyntaxNode, types: string[]): NodeList;
  matches(query: NativeQuery, root: SyntaxNode): MatchSet;
}

function rawAccess(grammar: unknown): RawAccess | null {
  if (process.env["FIXPOINT_GRAPH_RAW_NODES"] === "0") return null;
  try {
    const pkg = require.resolve("tree-sitter");
    const nodeGypBuild = createRequire(pkg)("node-gyp-build") as (dir: string) => NativeBinding;
    const binding = nodeGypBuild(dirname(pkg));
    const Parser = require("tree-sitter") as { Query: { prototype: Record<string, unknown> } };
    const rawMatches = Parser.Query.prototype["_matches"] as (...args: unknown[]) => [unknown[], unknown[]];
    const classes = (grammar as { nodeSubclasses?: NodeClass[] }).nodeSubclasses;
    const baseClass = classes?.find((c) => c?.name === "SyntaxNode");
    if (
      !binding?.NodeMethods?.descendantsOfType ||
      typeof rawMatches !== "function" ||
      !classes ||
      !baseClass
    )
      return null;
    const marshal = (root: SyntaxNode) => {
      const r = root as unknown as Record<number, number>;
      const t = binding.nodeTransferArray;
      for (let k = 0; k < FIELD_COUNT; k++) t[k] = r[k]!;
    };
    const treeOf = (root: SyntaxNode) => (root as unknown as { tree: unknown }).tree;
    return {
      descendants(root, types) {
        marshal(root);
        const entries = binding.NodeMethods.descendantsOfType(treeOf(root), types) ?? [];
        return new RawNodeList(entries, binding.nodeTransferArray, treeOf(root), classes, baseClass);
      },
      matches(query, root) {
        marshal(root);
        const [flat, entries] = rawMatches.call(
          query,
          treeOf(root),
          0,
          0,
          0,
          0,
          0,
          0,
          0xffffffff,
          0xffffffff,
          0,
        );
        const nodes = new RawNodeList(entries, binding.nodeTransferArray, treeOf(root), classes, baseClass);
        // `flat` is [pattern, captureName, captureName, ..., pattern, ...]; nodes in capture order.
        const matches: QueryMatch[] = [];
        let ni = 0;
        for (let i = 0; i < flat.length; ) {
          const pattern = flat[i++] as number;
          const captures: QueryCapture[] = [];
          while (i < flat.length && typeof flat[i] === "string")
            captures.push({ name: flat[i++] as string, i: ni++ });
          const preds = query.predicates[pattern];
          if (preds?.length) {
            const withNodes = captures.map((c) => ({ name: c.name, node: nodes.node(c.i) }));
            if (!preds.every((p) => p(withNodes))) continue;
          }
          matches.push({ pattern, captures });
        }
        return { nodes, matches };
      },
    };
  } catch {
    return null;
  }
}

/** The raw path agrees with the public API on this tree: same nodes (`at` indexes `list`). */
function rawAgrees(list: NodeList, at: number[], reference: SyntaxNode[]): boolean {
  if (at.length !== reference.length) return false;
  for (const k of new Set([0, at.length >> 1, at.length - 1])) {
    if (k < 0 || k >= at.length) continue;
    const i = at[k]!;
    const want = reference[k]!;
    const got = list.node(i);
    if (
      list.start(i) !== want.startIndex ||
      list.row(i) !== want.startPosition.row ||
      list.col(i) !== want.startPosition.column ||
      got.type !== want.type ||
      got.endIndex !== want.endIndex
    ) {
      return false;
    }
  }
  return true;
}

async function loadNative(id: LanguageId): Promise<LoadedLanguage> {
  const Parser = require("tree-sitter") as NativeModule;
  const grammar = await languageSpec(id).loadNative();
  const parser = new Parser();
  parser.setLanguage(grammar);
  const { query: qsrc, bareRefs } = splitBareRefs(querySource(id));
  const query = new Parser.Query(grammar, qsrc);
  let raw = rawAccess(grammar);
  const checked = { descendants: false, matches: false };
  // The first non-empty raw answer of each kind is compared with the public API's; a mismatch
  // turns the raw path off for this language.
  const verified = <T>(
    kind: keyof typeof checked,
    list: NodeList,
    at: number[],
    reference: () => SyntaxNode[],
    value: T,
    fallback: () => T,
  ): T => {
    if (!at.length) return value;
    checked[kind] = true;
    if (rawAgrees(list, at, reference())) return value;
    raw = null;
    return fallback();
  };
  const descendants = (root: SyntaxNode, types: string[]): NodeList => {
    const pub = () => objectNodeList(root.descendantsOfType(types));
    if (!raw) return pub();
    const list = raw.descendants(root, types);
    if (checked.descendants) return list;
    const at = Array.from({ length: list.length }, (_, i) => i);
    return verified("descendants", list, at, () => root.descendantsOfType(types), list, pub);
  };
  const matches = (root: SyntaxNode): MatchSet => {
    const pub = () => objectMatchSet(query.matches(root));
    if (!raw) return pub();
    const set = raw.matches(query, root);
    const flatten = () => query.matches(root).flatMap((m) => m.captures.map((c) => c.node));
    if (checked.matches) return set;
    const at = set.matches.flatMap((m) => m.captures.map((c) => c.i));
    return verified("matches", set.nodes, at, flatten, set, pub);
  };
  return {
    id,
    backend: "native",
    bareRefs,
    parse(text) {
      // The binding's default buffer is too small for large files; size it to the input.
      const tree = parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
      return { root: tree.rootNode, dispose() {} };
    },
    matches,
    descendants,
    get rawNodes() {
      return raw !== null;
    },
  };
}

type WasmModule = typeof import("web-tree-sitter");
let wasmInit: Promise<WasmModule> | null = null;

function initWasm(): Promise<WasmModule> {
  wasmInit ??= (async () => {
    const mod = await import("web-tree-sitter");
    await mod.Parser.init();
    return mod;
  })();
  return wasmInit;
}

async function loadWasm(id: LanguageId): Promise<LoadedLanguage> {
  const mod = await initWasm();
  const lang = await mod.Language.load(languageSpec(id).wasmPath());
  const parser = new mod.Parser();
  parser.setLanguage(lang);
  const { query: qsrc, bareRefs } = splitBareRefs(querySource(id));
  const query = new mod.Query(lang, qsrc);
  return {
    id,
    backend: "wasm",
    bareRefs,
    parse(text) {
      const tree = parser.parse(text);
      if (!tree) throw new Error(`web-tree-sitter returned no tree for ${id}`);
      return { root: tree.rootNode as unknown as SyntaxNode, dispose: () => tree.delete() };
    },
    matches: (root) =>
      objectMatchSet(
        query.matches(root as never) as unknown as Array<{
          pattern: number;
          captures: Array<{ name: string; node: SyntaxNode }>;
        }>,
      ),
    descendants: (root, types) => objectNodeList(root.descendantsOfType(types)),
  };
}

/** Loads languages for one backend preference; "auto" = native, falling back to WASM per language. */
export class LanguageLoader {
  private readonly cache = new Map<LanguageId, Promise<LoadedLanguage>>();

  constructor(readonly preference: BackendKind | "auto" = "auto") {}

  load(id: LanguageId): Promise<LoadedLanguage> {
    let p = this.cache.get(id);
    if (!p) {
      p =
        this.preference === "wasm"
          ? loadWasm(id)
          : this.preference === "native"
            ? loadNative(id)
            : loadNative(id).catch(() => loadWasm(id));
      this.cache.set(id, p);
    }
    return p;
  }
}
