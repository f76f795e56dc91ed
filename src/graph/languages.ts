/**
 * The languages registry: file extensions, how to load each grammar natively (tree-sitter node
 * bindings) and as WASM (web-tree-sitter), and which query files drive extraction — the grammar's
 * own `queries/tags.scm` plus our `queries/<lang>.scm` for what tags.scm lacks (imports,
 * inheritance, extra definitions).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type LanguageId =
  | "python"
  | "javascript"
  | "typescript"
  | "tsx"
  | "go"
  | "rust"
  | "java"
  | "c"
  | "cpp"
  | "csharp"
  | "ruby"
  | "php";

export interface LanguageSpec {
  id: LanguageId;
  extensions: string[];
  /** npm packages whose queries/tags.scm are used, in order. */
  tagsFrom: string[];
  /** Loads the native grammar object for `Parser.setLanguage`. */
  loadNative(): Promise<unknown>;
  /** Path of the grammar's .wasm for web-tree-sitter. */
  wasmPath(): string;
  /** Line-comment prefixes, for docstrings taken from comments. */
  commentPrefixes: string[];
}

const require = createRequire(import.meta.url);

function pkgDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

function spec(
  id: LanguageId,
  extensions: string[],
  tagsFrom: string[],
  loadNative: () => Promise<unknown>,
  wasm: [string, string],
  commentPrefixes = ["//", "/*", "*"],
): LanguageSpec {
  return {
    id,
    extensions,
    tagsFrom,
    loadNative,
    wasmPath: () => join(pkgDir(wasm[0]), wasm[1]),
    commentPrefixes,
  };
}

export const LANGUAGES: readonly LanguageSpec[] = [
  spec(
    "python",
    [".py", ".pyi"],
    ["tree-sitter-python"],
    async () => require("tree-sitter-python"),
    ["tree-sitter-python", "tree-sitter-python.wasm"],
    ["#"],
  ),
  spec(
    "javascript",
    [".js", ".jsx", ".mjs", ".cjs"],
    ["tree-sitter-javascript"],
    async () => require("tree-sitter-javascript"),
    ["tree-sitter-javascript", "tree-sitter-javascript.wasm"],
  ),
  spec(
    "typescript",
    [".ts", ".mts", ".cts"],
    ["tree-sitter-javascript", "tree-sitter-typescript"],
    async () => require("tree-sitter-typescript").typescript,
    ["tree-sitter-typescript", "tree-sitter-typescript.wasm"],
  ),
  spec(
    "tsx",
    [".tsx"],
    ["tree-sitter-javascript", "tree-sitter-typescript"],
    async () => require("tree-sitter-typescript").tsx,
    ["tree-sitter-typescript", "tree-sitter-tsx.wasm"],
  ),
  spec("go", [".go"], ["tree-sitter-go"], async () => require("tree-sitter-go"), [
    "tree-sitter-go",
    "tree-sitter-go.wasm",
  ]),
  spec("rust", [".rs"], ["tree-sitter-rust"], async () => require("tree-sitter-rust"), [
    "tree-sitter-rust",
    "tree-sitter-rust.wasm",
  ]),
  spec("java", [".java"], ["tree-sitter-java"], async () => require("tree-sitter-java"), [
    "tree-sitter-java",
    "tree-sitter-java.wasm",
  ]),
  spec("c", [".c", ".h"], ["tree-sitter-c"], async () => require("tree-sitter-c"), [
    "tree-sitter-c",
    "tree-sitter-c.wasm",
  ]),
  spec(
    "cpp",
    [".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"],
    ["tree-sitter-c", "tree-sitter-cpp"],
    async () => require("tree-sitter-cpp"),
    ["tree-sitter-cpp", "tree-sitter-cpp.wasm"],
  ),
  spec(
    "csharp",
    [".cs"],
    ["tree-sitter-c-sharp"],
    // The package's binding is ESM with top-level await: it can only be import()ed.
    async () =>
      ((await import("tree-sitter-c-sharp/bindings/node/index.js" as string)) as { default: unknown })
        .default,
    ["tree-sitter-c-sharp", "tree-sitter-c_sharp.wasm"],
  ),
  spec(
    "ruby",
    [".rb"],
    ["tree-sitter-ruby"],
    async () => require("tree-sitter-ruby"),
    ["tree-sitter-ruby", "tree-sitter-ruby.wasm"],
    ["#"],
  ),
  spec(
    "php",
    [".php"],
    ["tree-sitter-php"],
    async () => require("tree-sitter-php").php,
    ["tree-sitter-php", "tree-sitter-php.wasm"],
    ["//", "#", "/*", "*"],
  ),
];

const BY_ID = new Map(LANGUAGES.map((l) => [l.id, l]));
const BY_EXT = new Map<string, LanguageSpec>();
for (const l of LANGUAGES) for (const e of l.extensions) BY_EXT.set(e, l);

export function supportedLanguages(): LanguageId[] {
  return LANGUAGES.map((l) => l.id);
}

export function languageSpec(id: LanguageId): LanguageSpec {
  const s = BY_ID.get(id);
  if (!s) throw new Error(`unknown language ${id}`);
  return s;
}

export function languageForPath(path: string): LanguageId | null {
  return BY_EXT.get(extname(path).toLowerCase())?.id ?? null;
}

// What only C++ writes (a C header that guards `extern "C"` for C++ has none of it).
const CPP_ONLY =
  /^[ \t]*(?:(?:inline\s+)?namespace\s+[\w:]*\s*\{|template\s*<|(?:public|private|protected)\s*:|using\s+namespace\s|class\s+\w+(?:\s+final)?\s*[:{])|\bstd::\w|\bconstexpr\s/m;

/**
 * The language of a file from its path and, for a `.h` header (C's extension, which C++
 * projects use too: fmt's headers are all `.h`), from its text: C++ when it writes C++.
 */
export function languageForFile(path: string, text: string): LanguageId | null {
  const byPath = languageForPath(path);
  if (byPath === "c" && extname(path).toLowerCase() === ".h" && CPP_ONLY.test(text)) return "cpp";
  return byPath;
}

const QUERY_DIR = join(dirname(fileURLToPath(import.meta.url)), "queries");
const queryCache = new Map<LanguageId, string>();

/** Our query files read before a language's own one (patterns shared by its grammar family). */
const SHARED_QUERIES: Partial<Record<LanguageId, string[]>> = {
  javascript: ["ecmascript"],
  typescript: ["ecmascript"],
  tsx: ["ecmascript"],
};

/**
 * The query source for a language: the grammars' tags.scm (without the `#strip!`/`#*-adjacent!`
 * directives, which the native binding rejects and which we do not need — docstrings are found
 * by walking siblings) followed by our own query files (shared ones first).
 */
export function querySource(id: LanguageId): string {
  const cached = queryCache.get(id);
  if (cached) return cached;
  const parts: string[] = [];
  for (const pkg of languageSpec(id).tagsFrom) {
    const text = readFileSync(join(pkgDir(pkg), "queries", "tags.scm"), "utf8");
    parts.push(
      text
        .replace(/\(#(strip|select-adjacent|set-adjacent)!\s[^)]*\)/g, "")
        .replace(/\(#is-not\?\s+local\)/g, ""),
    );
  }
  for (const shared of SHARED_QUERIES[id] ?? [])
    parts.push(readFileSync(join(QUERY_DIR, `${shared}.scm`), "utf8"));
  parts.push(readFileSync(join(QUERY_DIR, `${id === "tsx" ? "typescript" : id}.scm`), "utf8"));
  const src = parts.join("\n");
  queryCache.set(id, src);
  return src;
}
