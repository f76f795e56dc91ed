/**
 * Two parsing backends behind one small interface: the native tree-sitter node bindings (fast,
 * the default) and web-tree-sitter (WASM) as the fallback when a native grammar does not load.
 * Extraction only sees `SyntaxNode`, the subset of the node API both backends share.
 */
import { createRequire } from "node:module";
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
  children: SyntaxNode[];
  previousNamedSibling: SyntaxNode | null;
  previousSibling: SyntaxNode | null;
  hasError: boolean;
  isMissing: boolean;
  descendantsOfType(types: string | string[]): SyntaxNode[];
  childForFieldName(name: string): SyntaxNode | null;
  child(i: number): SyntaxNode | null;
}

export interface QueryCapture {
  name: string;
  node: SyntaxNode;
}

export interface QueryMatch {
  pattern: number;
  captures: QueryCapture[];
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
  matches(node: SyntaxNode): QueryMatch[];
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
  matches(node: SyntaxNode): QueryMatch[];
}
interface NativeModule {
  new (): NativeParser;
  Query: new (lang: unknown, source: string) => NativeQuery;
}

async function loadNative(id: LanguageId): Promise<LoadedLanguage> {
  const Parser = require("tree-sitter") as NativeModule;
  const grammar = await languageSpec(id).loadNative();
  const parser = new Parser();
  parser.setLanguage(grammar);
  const { query: qsrc, bareRefs } = splitBareRefs(querySource(id));
  const query = new Parser.Query(grammar, qsrc);
  return {
    id,
    backend: "native",
    bareRefs,
    parse(text) {
      // The binding's default buffer is too small for large files; size it to the input.
      const tree = parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
      return { root: tree.rootNode, dispose() {} };
    },
    matches: (node) => query.matches(node),
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
    matches: (node) => query.matches(node as never) as unknown as QueryMatch[],
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
