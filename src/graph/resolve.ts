/**
 * Resolution: imports to files (per language rules) and references to symbols (same file, then
 * imported files, then a unique name in the repository). Works against a `Lookup` so the same code
 * serves a full build (in-memory maps) and an incremental update (indexed SQL lookups).
 */
import { dirname, posix } from "node:path";
import type { ExtractedImport } from "./extract.js";
import type { LanguageId } from "./languages.js";

export interface SymbolCandidate {
  id: number;
  fileId: number;
  /** The path of its file (repository-relative). */
  path: string;
  kind: string;
  parentId: number | null;
}

export interface Lookup {
  fileId(path: string): number | undefined;
  /** Files whose path ends with "/" + suffix (or equals it). */
  filesBySuffix(suffix: string): Array<{ id: number; path: string }>;
  filesInDir(dir: string): Array<{ id: number; path: string }>;
  symbolsByName(name: string): SymbolCandidate[];
  goModule: string;
}

const JS_EXTS = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".d.ts"];
const PY_ROOTS = ["", "src/", "lib/", "python/"];

function first(ids: Array<number | undefined>): number[] {
  const out: number[] = [];
  for (const id of ids) if (id !== undefined && !out.includes(id)) out.push(id);
  return out;
}

function pyModuleFiles(lk: Lookup, base: string): Array<number | undefined> {
  const b = base.replace(/\/$/, "");
  return [lk.fileId(`${b}.py`), lk.fileId(`${b}/__init__.py`), lk.fileId(`${b}.pyi`)];
}

function resolvePython(lk: Lookup, file: string, imp: ExtractedImport): number[] {
  const m = imp.module.match(/^(\.*)(.*)$/)!;
  const dots = m[1]!.length;
  const rest = m[2]!.split(".").filter(Boolean).join("/");
  const out: Array<number | undefined> = [];
  const bases: string[] = [];
  if (dots > 0) {
    let dir = dirname(file);
    for (let i = 1; i < dots; i++) dir = dirname(dir);
    if (dir === ".") dir = "";
    bases.push(dir ? (rest ? `${dir}/${rest}` : dir) : rest);
  } else {
    for (const r of PY_ROOTS) bases.push(`${r}${rest}`);
  }
  for (const b of bases) {
    const hits = b ? pyModuleFiles(lk, b) : [];
    out.push(...hits);
    // `from pkg import submodule` imports files too.
    for (const n of imp.names)
      if (n !== "*") out.push(...pyModuleFiles(lk, b ? `${b}/${n.replace(/\./g, "/")}` : n));
    if (first(out).length) break;
  }
  return first(out);
}

function resolveJs(lk: Lookup, file: string, imp: ExtractedImport): number[] {
  const spec = imp.module;
  if (!spec.startsWith(".") && !spec.startsWith("/")) return [];
  const target = posix.normalize(spec.startsWith("/") ? spec.slice(1) : posix.join(dirname(file), spec));
  const stem = target.replace(/\.(js|jsx|mjs|cjs)$/, "");
  const cands = [target];
  for (const e of JS_EXTS) cands.push(stem + e, `${target}/index${e}`);
  for (const c of cands) {
    const id = lk.fileId(c);
    if (id !== undefined) return [id];
  }
  return [];
}

function resolveGo(lk: Lookup, imp: ExtractedImport): number[] {
  const mod = lk.goModule;
  if (!mod || (imp.module !== mod && !imp.module.startsWith(`${mod}/`))) return [];
  const dir = imp.module === mod ? "" : imp.module.slice(mod.length + 1);
  return lk
    .filesInDir(dir)
    .filter((f) => f.path.endsWith(".go") && !f.path.endsWith("_test.go"))
    .slice(0, 50)
    .map((f) => f.id);
}

function rustCrateRoot(lk: Lookup, file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const d = dir === "." ? "" : dir;
    if (
      lk.fileId(d ? `${d}/lib.rs` : "lib.rs") !== undefined ||
      lk.fileId(d ? `${d}/main.rs` : "main.rs") !== undefined
    ) {
      return d;
    }
    if (dir === "." || dir === "/" || dir === "") return "src";
  }
}

function rustModuleDir(file: string): string {
  const base = posix.basename(file);
  const dir = dirname(file) === "." ? "" : dirname(file);
  if (base === "mod.rs" || base === "lib.rs" || base === "main.rs") return dir;
  return dir ? `${dir}/${base.replace(/\.rs$/, "")}` : base.replace(/\.rs$/, "");
}

function rustFileFor(lk: Lookup, dir: string, segs: string[]): number | undefined {
  // The longest prefix of the path that names a module file.
  for (let n = segs.length; n > 0; n--) {
    const p = [dir, ...segs.slice(0, n)].filter(Boolean).join("/");
    const id = lk.fileId(`${p}.rs`) ?? lk.fileId(`${p}/mod.rs`);
    if (id !== undefined) return id;
  }
  return undefined;
}

function resolveRust(lk: Lookup, file: string, imp: ExtractedImport): number[] {
  if (imp.kind === "mod") {
    const dir = rustModuleDir(file);
    return first([
      lk.fileId(`${dir ? `${dir}/` : ""}${imp.module}.rs`),
      lk.fileId(`${dir ? `${dir}/` : ""}${imp.module}/mod.rs`),
    ]);
  }
  const path = imp.module.replace(/::\{.*$/s, "").replace(/\s+/g, "");
  const segs = path.split("::").filter(Boolean);
  if (!segs.length) return [];
  let dir: string;
  if (segs[0] === "crate") {
    dir = rustCrateRoot(lk, file);
    segs.shift();
  } else if (segs[0] === "self" || segs[0] === "super") {
    dir = rustModuleDir(file);
    while (segs[0] === "super" || segs[0] === "self") {
      if (segs.shift() === "super") dir = dirname(dir) === "." ? "" : dirname(dir);
    }
  } else {
    return [];
  }
  const id = rustFileFor(lk, dir, segs);
  return id === undefined ? [] : [id];
}

function bySuffix(lk: Lookup, suffix: string): number[] {
  return lk
    .filesBySuffix(suffix)
    .slice(0, 5)
    .map((f) => f.id);
}

function resolveJava(lk: Lookup, imp: ExtractedImport): number[] {
  const segs = imp.module.replace(/^static\s+/, "").split(".");
  if (segs[segs.length - 1] === "*") {
    const dirSuffix = segs.slice(0, -1).join("/");
    return lk
      .filesBySuffix(`${dirSuffix}/`)
      .filter((f) => f.path.endsWith(".java"))
      .slice(0, 50)
      .map((f) => f.id);
  }
  for (let n = segs.length; n > 1; n--) {
    const hits = bySuffix(lk, `${segs.slice(0, n).join("/")}.java`);
    if (hits.length) return hits;
  }
  return [];
}

function resolveRelativeOrSuffix(lk: Lookup, file: string, spec: string, exts: string[]): number[] {
  const dir = dirname(file) === "." ? "" : dirname(file);
  for (const e of ["", ...exts]) {
    const rel = posix.normalize(posix.join(dir, spec + e));
    const id = lk.fileId(rel) ?? lk.fileId(posix.normalize(spec + e));
    if (id !== undefined) return [id];
  }
  for (const e of ["", ...exts]) {
    const hits = bySuffix(lk, posix.normalize(spec + e).replace(/^(\.\.\/)+/, ""));
    if (hits.length) return hits.slice(0, 1);
  }
  return [];
}

/** Files an import refers to; [] = external (kept as such by the caller). */
export function resolveImport(
  lk: Lookup,
  language: LanguageId,
  file: string,
  imp: ExtractedImport,
): number[] {
  switch (language) {
    case "python":
      return resolvePython(lk, file, imp);
    case "javascript":
    case "typescript":
    case "tsx":
      return resolveJs(lk, file, imp);
    case "go":
      return resolveGo(lk, imp);
    case "rust":
      return resolveRust(lk, file, imp);
    case "java":
      return resolveJava(lk, imp);
    case "c":
    case "cpp":
      return resolveRelativeOrSuffix(lk, file, imp.module, []);
    case "ruby":
      return resolveRelativeOrSuffix(lk, file, imp.module, [".rb"]);
    case "php":
      return imp.module.includes("\\")
        ? bySuffix(lk, `${imp.module.split("\\").pop()}.php`).slice(0, 1)
        : resolveRelativeOrSuffix(lk, file, imp.module, []);
    default:
      return [];
  }
}

export interface RefContext {
  fileId: number;
  /** The file's language calls members without a receiver (`foo()` meaning `this.foo()`). */
  implicitReceiver: boolean;
  /** C or C++: functions are declared in headers and defined in source files. */
  headerDeclarations: boolean;
  /** Files this file imports (resolved). */
  importedFiles: Set<number>;
  /** Local names bound by imports → the files they come from. */
  importedNames: Map<string, number[]>;
}

const CLASS_KINDS = new Set(["class", "interface", "enum", "type"]);
const MEMBER_KINDS = new Set(["method", "field"]);
/** Languages where a bare name inside a class can be one of its members (implicit `this`). */
export const IMPLICIT_RECEIVER = new Set<string>(["java", "csharp", "cpp", "ruby"]);
/** Languages whose functions are declared in headers and defined in source files. */
export const HEADER_DECLARATIONS = new Set<string>(["c", "cpp"]);
const HEADER = /\.(h|hh|hpp|hxx|h\+\+|inc)$/i;

/**
 * C and C++: a function declared in headers and defined in one source file is that source
 * file's function, which is where its callers should point (a call site sees the prototype,
 * often through a chain of includes). Null when the candidates are not that shape.
 */
function definitionBehindHeaders(cands: SymbolCandidate[]): SymbolCandidate | null {
  let def: SymbolCandidate | null = null;
  for (const s of cands) {
    if (s.kind !== "function" || s.parentId !== null) return null;
    if (HEADER.test(s.path)) continue;
    if (def) return null;
    def = s;
  }
  return def;
}

/**
 * Picks the symbol a reference most likely means, or null. `enclosingClass` is the symbol id of
 * the class around the reference (for `self.x` / `this.x`).
 */
export function resolveRef(
  lk: Lookup,
  ctx: RefContext,
  name: string,
  qualifier: string,
  enclosingClass: number | null,
  wantClass = false,
): SymbolCandidate | null {
  let cands = lk.symbolsByName(name);
  if (!cands.length) return null;
  if (wantClass) {
    const c = cands.filter((s) => CLASS_KINDS.has(s.kind));
    if (c.length) cands = c;
  }
  if (!qualifier && !ctx.implicitReceiver) {
    // A bare name reaches a method or field only from its own class body; elsewhere it is a
    // local, a global or a builtin (`str` is not some class's `str` method).
    const reachable = (s: SymbolCandidate) => !MEMBER_KINDS.has(s.kind) || s.parentId === enclosingClass;
    if (!cands.every(reachable)) {
      cands = cands.filter(reachable);
      if (!cands.length) return null;
    }
  }
  if ((qualifier === "self" || qualifier === "this" || qualifier === "cls") && enclosingClass !== null) {
    const own = cands.find((s) => s.parentId === enclosingClass);
    if (own) return own;
  }
  const fromNamed = ctx.importedNames.get(name);
  if (fromNamed) {
    const hit =
      cands.find((s) => fromNamed.includes(s.fileId) && s.parentId === null) ??
      cands.find((s) => fromNamed.includes(s.fileId));
    if (hit) return hit;
  }
  if (qualifier) {
    const q = qualifier.split(/[.:]+/).pop()!;
    const viaModule = ctx.importedNames.get(q);
    if (viaModule) {
      const hit = cands.find((s) => viaModule.includes(s.fileId));
      if (hit) return hit;
    }
  }
  const same = cands.filter((s) => s.fileId === ctx.fileId);
  if (same.length) return same.find((s) => s.parentId === null) ?? same[0]!;
  const behindHeaders = ctx.headerDeclarations && cands.length > 1 ? definitionBehindHeaders(cands) : null;
  if (behindHeaders) return behindHeaders;
  const imported = cands.filter((s) => ctx.importedFiles.has(s.fileId));
  if (imported.length) return imported.find((s) => s.parentId === null) ?? imported[0]!;
  if (cands.length === 1) return cands[0]!;
  // Several top-level definitions elsewhere and no import says which: leave unresolved.
  return null;
}
