/**
 * Which tests can reach a change: from the symbols a diff changes, the graph is walked backwards
 * ("who uses this?") over calls, references and inheritance, up to k hops, and every use that
 * sits in a test file selects a test — the test function or method around it where the language
 * names its tests, else the whole file. The test gate runs exactly these tests.
 */
import { posix } from "node:path";
import type { CodeGraph } from "./graph.js";
import { changedSymbols, type FileChange, type LocatedChange, parseUnifiedDiff } from "./impact.js";
import { isTestPath } from "./paths.js";
import {
  basesOf,
  callablesNamed,
  callsAnyOf,
  definitionAround,
  fileIdByPath,
  functionsInFileNaming,
  functionsUnderNaming,
  importBindings,
  importsOfFile,
  type ReachFile,
  type ReachSymbol,
  type ReachUse,
  reachFile,
  reachSymbol,
  reachSymbolsOfFile,
  unresolvedMethodCalls,
  unresolvedUsesIn,
  usesOfSymbol,
} from "./sql.js";
import type { DB } from "./store.js";

export interface ReachedTest {
  /** Test file, relative to the repository root. */
  path: string;
  /**
   * The test function or method (kind "function"/"method"), or a test class as a whole (kind
   * "class": its setup or class-level code was reached); absent = the whole file is selected.
   */
  test?: { name: string; qualifiedName: string; kind: string; line: number; className?: string };
  /** 0 = the test itself changed; 1 = it uses a changed symbol directly; 2 = through one more symbol. */
  hops: number;
  /** One line saying why, e.g. "calls make_app, which calls changed parse". */
  reason: string;
}

export interface TestReachResult {
  /** The changed symbols the search started from ("path: qualifiedName"). */
  changed: string[];
  /**
   * One entry per (file, test), by hops, path, line. A file selected as a whole carries no
   * per-test entries (they would run twice); its hops are the smallest of what it absorbed.
   */
  tests: ReachedTest[];
  /**
   * Changed source files the graph could not resolve to any symbol (not indexed, unsupported
   * language, only top-level code): the caller falls back to name matching for these.
   * Documentation, data and images are left out.
   */
  unresolvedFiles: string[];
  /** True when the limit stopped the search. */
  truncated: boolean;
  /** What the search skipped on purpose (names too common to match unresolved calls by, …). */
  notes: string[];
}

export interface TestReachOptions {
  /** How many uses away from a change a test may be (default 2). */
  hops?: number;
  /** At most this many selected tests (default 500); `truncated` says when it stopped the search. */
  limit?: number;
}

const DEFAULT_HOPS = 2;
const DEFAULT_LIMIT = 500;
/** Symbols the walk may visit before it gives up (marked truncated). */
const MAX_VISITED = 20_000;
/** Uses read per symbol; more marks the result truncated. */
const MAX_USES_PER_SYMBOL = 5_000;
/** Unresolved or guessed `.name(…)` calls are matched by name only for a name this rare... */
const MAX_DEFINITIONS_FOR_NAME_MATCH = 4;
/** ...called unresolved at most this often. */
const MAX_UNRESOLVED_CALLS = 200;

/** Languages whose test functions or methods can be told from their names and signatures. */
const NAMED_TEST_LANGUAGES = new Set(["python", "go", "java", "csharp", "php", "ruby"]);
/** Test-framework calls that make a file of blocks (describe/it, RSpec) a test file. */
const RUNNER_CALLS = ["describe", "it", "test", "context", "suite", "specify"];
/** Constructors that carry their own name; Java, C# and C++ constructors share the class's. */
const CONSTRUCTOR_NAMES = new Set(["__init__", "__new__", "__post_init__", "constructor", "initialize"]);
/** Receivers whose method the graph resolves from the enclosing class, not by a guess. */
const SURE_RECEIVERS = new Set(["self", "this", "cls", "super", "static", "parent", "base"]);
/** Languages whose parameters are written name first (`x: int`, `x int`), as `parameterNames` reads them. */
const PARAMETER_NAME_FIRST = new Set(["python", "javascript", "typescript", "tsx", "go", "rust"]);
const CLASS_KINDS = new Set(["class", "interface", "enum", "type"]);
const FUNCTION_KINDS = new Set(["function", "method"]);
/** Changed files that are no code: they go neither to the walk nor to `unresolvedFiles`. */
const NOT_CODE =
  /\.(md|markdown|rst|txt|adoc|csv|tsv|json|ya?ml|toml|ini|cfg|lock|svg|png|jpe?g|gif|ico|pdf)$/i;
const NOT_CODE_NAME = /^[A-Z][A-Z_-]*$/; // CHANGES, LICENSE, AUTHORS

type SymbolRow = ReachSymbol;
type FileRow = ReachFile;
type UseRow = ReachUse;

/** The index as the search reads it (the queries are in sql.ts), bound to one database. */
function reachQueries(db: DB) {
  const runners = JSON.stringify(RUNNER_CALLS);
  return {
    symbolById: (id: number) => reachSymbol(db, id),
    symbolsOfFile: (fileId: number) => reachSymbolsOfFile(db, fileId),
    fileById: (id: number) => reachFile(db, id),
    fileIdByPath: (path: string) => fileIdByPath(db, path),
    usesOf: (symbolId: number, cap: number) => usesOfSymbol(db, symbolId, cap),
    unresolvedMethodCalls: (name: string, language: string, cap: number) =>
      unresolvedMethodCalls(db, name, language, cap),
    unresolvedUsesIn: (name: string, fileIds: number[], cap: number) =>
      unresolvedUsesIn(db, name, fileIds, cap),
    callablesNamed: (name: string, language: string) => callablesNamed(db, name, language),
    importers: (fileId: number) => importsOfFile(db, fileId),
    importBindings: (fileId: number) => importBindings(db, fileId),
    basesOf: (classId: number) => basesOf(db, classId),
    callsTestRunner: (fileId: number) => callsAnyOf(db, fileId, runners),
    // The files under `dir`: paths in [dir/, dir0) ("0" follows "/").
    functionsUnderNaming: (dir: string, name: string) =>
      functionsUnderNaming(db, dir ? `${dir}/` : "", dir ? `${dir}0` : "\u{10FFFF}", name),
    functionsInFileNaming: (fileId: number, name: string) => functionsInFileNaming(db, fileId, name),
  };
}

type Queries = ReturnType<typeof reachQueries>;

/**
 * What a test file is to the search: `tests` names its tests (functions, methods), `file` is
 * run as a whole (its tests are blocks or attributes the graph does not see), `support` is test
 * code that is not run itself (conftest, helpers, sample apps), `source` is not test code.
 */
type FileMode = "tests" | "file" | "support" | "source";

/** Where a use inside a test file lands. */
type TestUnit =
  | { kind: "test"; test: SymbolRow; className?: string }
  | { kind: "file" }
  | { kind: "helper"; helper: SymbolRow; testClass?: SymbolRow };

/** A symbol the walk reached: its users are one hop further. */
interface WalkNode {
  /** Null for a removed definition (its users are found by name). */
  sym: SymbolRow | null;
  file: FileRow | null;
  hops: number;
  /** The change it starts from, when it is one. */
  change?: LocatedChange;
  /** How it reaches the change, said from its side ("calls changed parse"). */
  trail: string;
}

/** How a use reaches the symbol it uses. */
interface UseHow {
  verb: string;
  /** The use names the class of a changed constructor. */
  viaClass?: SymbolRow;
  /** An unresolved call matched by name only. */
  byName?: boolean;
}

/** Parameter names of a function signature (`def test_x(app, client=None)` → app, client). */
export function parameterNames(signature: string): string[] {
  const open = signature.indexOf("(");
  if (open < 0) return [];
  const out: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open + 1; i <= signature.length; i++) {
    const c = signature[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if ((c === ")" || c === "]" || c === "}") && depth > 0) depth--;
    else if (c === "," || c === ")" || c === undefined) {
      if (depth > 0) continue;
      const m = signature
        .slice(start, i)
        .trim()
        .match(/^\*{0,2}([A-Za-z_]\w*)/);
      if (m && m[1] !== "self" && m[1] !== "cls") out.push(m[1]!);
      start = i + 1;
      if (c !== ",") break;
    }
  }
  return out;
}

/** Test annotations written in a method's header (JUnit, TestNG, NUnit, xUnit, MSTest). */
const TEST_ANNOTATION =
  /@(?:[\w.]+\.)?(?:Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\b|\[(?:Test|Fact|Theory|TestMethod|TestCase)\b/;

/** A changed constructor: the class's uses are its uses. */
function isConstructor(s: SymbolRow, parent: SymbolRow | undefined): boolean {
  return (
    s.kind === "method" &&
    !!parent &&
    CLASS_KINDS.has(parent.kind) &&
    (CONSTRUCTOR_NAMES.has(s.name) || s.name === parent.name || s.name === "__construct")
  );
}

class TestReachSearch {
  private readonly q: Queries;
  private readonly hops: number;
  private readonly limit: number;
  private readonly files = new Map<number, FileRow | undefined>();
  private readonly symbols = new Map<number, SymbolRow | undefined>();
  private readonly modes = new Map<number, FileMode>();
  private readonly testClasses = new Map<number, boolean>();
  private readonly bindings = new Map<number, Set<string>>();
  private readonly visited = new Set<number>();
  /** Symbols in runnable test files that are no tests: selected by a fallback when nothing uses them. */
  private readonly helpers: WalkNode[] = [];
  /** How many uses each walked symbol has (read once). */
  private readonly useCounts = new Map<WalkNode, number>();
  private readonly entries = new Map<string, ReachedTest & { line: number }>();
  readonly notes: string[] = [];
  truncated = false;

  constructor(db: DB, options: TestReachOptions) {
    this.q = reachQueries(db);
    this.hops = Math.max(0, options.hops ?? DEFAULT_HOPS);
    this.limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
  }

  private file(id: number): FileRow | undefined {
    if (!this.files.has(id)) this.files.set(id, this.q.fileById(id));
    return this.files.get(id);
  }

  private symbol(id: number): SymbolRow | undefined {
    if (!this.symbols.has(id)) this.symbols.set(id, this.q.symbolById(id));
    return this.symbols.get(id);
  }

  private parentOf(s: SymbolRow): SymbolRow | undefined {
    return s.parentId === null ? undefined : this.symbol(s.parentId);
  }

  /** The symbol and its containers, innermost first. */
  private chain(s: SymbolRow): SymbolRow[] {
    const out = [s];
    for (let p = this.parentOf(s); p && out.length < 32; p = this.parentOf(p)) out.push(p);
    return out;
  }

  /** The callable a use belongs to: nested functions belong to the function around them. */
  private unitOf(s: SymbolRow): SymbolRow {
    let unit = s;
    for (let p = this.parentOf(s); p && FUNCTION_KINDS.has(p.kind); p = this.parentOf(p)) unit = p;
    return unit;
  }

  /** A class the test runner collects: `Test*`, `*Test(s)`, or a subclass of some `*TestCase`/`*Test`. */
  private isTestClass(cls: SymbolRow, language: string | null, depth = 0): boolean {
    let known = this.testClasses.get(cls.id);
    if (known !== undefined) return known;
    this.testClasses.set(cls.id, false); // inheritance cycles
    const named =
      language === "python" ? /^Test/.test(cls.name) : /^Test|Tests?$|TestCase$|IT$/.test(cls.name);
    known =
      named ||
      (depth < 6 &&
        this.q.basesOf(cls.id).some((b) => {
          if (/(^|[.:\\])\w*Test(Case)?$/.test(b.name)) return true;
          const base = b.symbolId === null ? undefined : this.symbol(b.symbolId);
          return !!base && CLASS_KINDS.has(base.kind) && this.isTestClass(base, language, depth + 1);
        }));
    this.testClasses.set(cls.id, known);
    return known;
  }

  /** A test function or method, by the conventions of the file's language. */
  private isTestFunction(s: SymbolRow, file: FileRow): boolean {
    if (!FUNCTION_KINDS.has(s.kind)) return false;
    const parent = this.parentOf(s);
    const inTestClass = !!parent && CLASS_KINDS.has(parent.kind) && this.isTestClass(parent, file.language);
    switch (file.language) {
      case "python":
        return /^test/.test(s.name) && (parent === undefined || (s.kind === "method" && inTestClass));
      case "go":
        return s.kind === "function" && parent === undefined && /^Test($|[^a-z])/.test(s.name);
      default:
        return (
          NAMED_TEST_LANGUAGES.has(file.language ?? "") &&
          s.kind === "method" &&
          (TEST_ANNOTATION.test(s.signature) || (/^test/i.test(s.name) && inTestClass))
        );
    }
  }

  private mode(file: FileRow): FileMode {
    let m = this.modes.get(file.id);
    if (m) return m;
    if (!isTestPath(file.path)) m = "source";
    else if (
      NAMED_TEST_LANGUAGES.has(file.language ?? "") &&
      this.q.symbolsOfFile(file.id).some((s) => {
        this.symbols.set(s.id, s);
        return this.isTestFunction(s, file);
      })
    )
      m = "tests";
    else if (["python", "go", "java", "csharp", "php"].includes(file.language ?? "")) m = "support";
    else if (["javascript", "typescript", "tsx", "ruby"].includes(file.language ?? ""))
      m = this.q.callsTestRunner(file.id) ? "file" : "support";
    else m = "file"; // Rust's #[test], C and C++ test macros are invisible to the graph.
    this.modes.set(file.id, m);
    return m;
  }

  /** The test around a symbol in a test file: the outermost test function in its containers. */
  private testUnit(s: SymbolRow, file: FileRow): TestUnit {
    if (this.mode(file) === "file") return { kind: "file" };
    const chain = this.chain(s);
    let test: SymbolRow | undefined;
    let testClass: SymbolRow | undefined;
    for (const c of chain) {
      if (this.isTestFunction(c, file)) test = c;
      else if (CLASS_KINDS.has(c.kind) && this.isTestClass(c, file.language)) testClass = c;
    }
    if (test) {
      const parent = this.parentOf(test);
      return {
        kind: "test",
        test,
        ...(parent && CLASS_KINDS.has(parent.kind) ? { className: parent.qualifiedName } : {}),
      };
    }
    return { kind: "helper", helper: this.unitOf(s), ...(testClass ? { testClass } : {}) };
  }

  /** Names a file binds by importing (a module-level "reference" to one is the import itself). */
  private importBindings(fileId: number): Set<string> {
    let b = this.bindings.get(fileId);
    if (!b) {
      b = new Set(this.q.importBindings(fileId).flatMap((q) => q.split(",").filter(Boolean)));
      this.bindings.set(fileId, b);
    }
    return b;
  }

  get full(): boolean {
    return this.entries.size >= this.limit;
  }

  private select(
    file: FileRow,
    test: Exclude<TestUnit, { kind: "helper" }> | null,
    hops: number,
    reason: string,
  ) {
    const t = test?.kind === "test" ? test.test : null;
    const key = `${file.path}\0${t?.qualifiedName ?? ""}`;
    if (this.entries.has(key)) return;
    if (this.full) {
      this.truncated = true;
      return;
    }
    this.entries.set(key, {
      path: file.path,
      ...(t
        ? {
            test: {
              name: t.name,
              qualifiedName: t.qualifiedName,
              kind: t.kind,
              line: t.line,
              ...(test?.kind === "test" && test.className ? { className: test.className } : {}),
            },
          }
        : {}),
      hops,
      reason,
      line: t?.line ?? 0,
    });
  }

  /** A test class as a whole: its setup or class-level code uses the change. */
  private selectClass(file: FileRow, cls: SymbolRow, hops: number, reason: string) {
    this.select(file, { kind: "test", test: cls }, hops, reason);
  }

  /** What a use of `from` says, from the user's side: "calls make_app, which calls changed parse". */
  private phrase(from: WalkNode, how: UseHow): string {
    const name = from.sym?.qualifiedName ?? from.change?.qualifiedName ?? "?";
    const target = from.change
      ? `${from.change.change === "removed" ? "removed" : "changed"} ${name}`
      : `${name}, which ${from.trail}`;
    const verb = how.byName ? `${how.verb} (by name: receiver class unknown)` : how.verb;
    if (how.viaClass) return `${verb} ${how.viaClass.name} (constructor: ${target})`;
    return `${verb} ${target}`;
  }

  /** Starts the walk at the changed symbols; those in test files select themselves (hops 0). */
  start(changed: LocatedChange[]): WalkNode[] {
    const frontier: WalkNode[] = [];
    for (const c of changed) {
      if (c.id === null) {
        const fileId = this.q.fileIdByPath(c.path);
        frontier.push({
          sym: null,
          file: fileId === undefined ? null : (this.file(fileId) ?? null),
          hops: 0,
          change: c,
          trail: "",
        });
        continue;
      }
      const sym = this.symbol(c.id);
      const file = sym && this.file(sym.fileId);
      if (!sym || !file) continue;
      this.visited.add(sym.id);
      const node: WalkNode = { sym, file, hops: 0, change: c, trail: `is changed ${sym.qualifiedName}` };
      const mode = this.mode(file);
      if (mode === "tests" || mode === "file") {
        const unit = this.testUnit(sym, file);
        if (unit.kind !== "helper") {
          this.select(file, unit, 0, "the test itself changed");
          if (unit.kind === "test") continue;
        } else this.helpers.push(node);
      }
      frontier.push(node);
    }
    return frontier;
  }

  /** Everything that uses a node: graph edges, its class (constructors), unresolved calls, fixture users. */
  private usesOf(node: WalkNode): Array<{ use: UseRow; how: UseHow }> {
    const out: Array<{ use: UseRow; how: UseHow }> = [];
    const read = (rows: UseRow[], how: (u: UseRow) => UseHow) => {
      if (rows.length >= MAX_USES_PER_SYMBOL) this.truncated = true;
      for (const use of rows) out.push({ use, how: how(use) });
    };
    const verbOf = (u: UseRow) =>
      u.kind === "calls" ? "calls" : u.kind === "inherits" ? "inherits from" : "uses";
    const { sym, file } = node;
    if (!sym) {
      // A removed definition: its users now point at nothing, from its file or its importers.
      const c = node.change!;
      const scope = file ? [file.id, ...this.q.importers(file.id).map((i) => i.fileId)] : [];
      if (scope.length)
        read(this.q.unresolvedUsesIn(c.name, scope, MAX_USES_PER_SYMBOL), (u) => ({ verb: verbOf(u) }));
      return out;
    }
    read(this.q.usesOf(sym.id, MAX_USES_PER_SYMBOL), (u) => ({ verb: verbOf(u) }));
    const parent = this.parentOf(sym);
    if (parent && isConstructor(sym, parent))
      read(this.q.usesOf(parent.id, MAX_USES_PER_SYMBOL), (u) => ({ verb: verbOf(u), viaClass: parent }));
    else if (node.change && sym.kind === "method" && file?.language)
      read(this.callsByName(sym, file.language), () => ({ verb: "calls", byName: true }));
    if (file && file.language === "python" && FUNCTION_KINDS.has(sym.kind) && this.mode(file) !== "source") {
      // A pytest fixture: the functions of its scope that name it as a parameter use it.
      const conftest = posix.basename(file.path) === "conftest.py";
      const dir = posix.dirname(file.path);
      const candidates = conftest
        ? this.q.functionsUnderNaming(dir === "." ? "" : dir, sym.name)
        : this.q.functionsInFileNaming(file.id, sym.name);
      for (const f of candidates) {
        if (f.id === sym.id || !parameterNames(f.signature).includes(sym.name)) continue;
        this.symbols.set(f.id, f);
        const fFile = this.file(f.fileId);
        if (fFile?.language !== "python" || !isTestPath(fFile.path)) continue;
        out.push({
          use: {
            kind: "fixture",
            fileId: f.fileId,
            symbolId: f.id,
            line: f.line,
            name: sym.name,
            qualifier: "",
          },
          how: { verb: "takes fixture" },
        });
      }
    }
    return out;
  }

  /**
   * Calls of a changed method the graph could not pin down: `x.name()` left unresolved, or
   * resolved by a guess to a same-named method of another class (the receiver is neither
   * self/this nor that class). Only for a name few callables share, called so seldom.
   */
  private callsByName(method: SymbolRow, language: string): UseRow[] {
    const defs = this.q.callablesNamed(method.name, language);
    if (defs.length > MAX_DEFINITIONS_FOR_NAME_MATCH) {
      this.notes.push(`calls of .${method.name}() not matched by name: ${defs.length} definitions`);
      return [];
    }
    const calls = this.q.unresolvedMethodCalls(method.name, language, MAX_UNRESOLVED_CALLS + 1);
    for (const other of defs) {
      if (other.id === method.id || other.kind !== "method") continue;
      for (const u of this.q.usesOf(other.id, MAX_UNRESOLVED_CALLS + 1)) {
        const receiver = u.qualifier.split(/[.:>\\]+/).pop() ?? "";
        if (u.kind === "calls" && receiver && !SURE_RECEIVERS.has(receiver) && receiver !== other.className)
          calls.push(u);
      }
    }
    if (calls.length > MAX_UNRESOLVED_CALLS) {
      this.notes.push(`calls of .${method.name}() not matched by name: more than ${MAX_UNRESOLVED_CALLS}`);
      return [];
    }
    return calls;
  }

  /** Walks `hops` steps back from the start nodes. */
  walk(start: WalkNode[]): void {
    let frontier = start;
    for (let h = 1; h <= this.hops && frontier.length; h++) {
      const next: WalkNode[] = [];
      for (const node of frontier) {
        const uses = this.usesOf(node);
        this.useCounts.set(node, uses.length);
        for (const { use, how } of uses) {
          if (this.full) {
            this.truncated = true; // the limit is reached with uses still to look at
            return;
          }
          this.reach(use, node, how, h, next);
        }
      }
      frontier = next;
    }
  }

  private reach(use: UseRow, from: WalkNode, how: UseHow, h: number, next: WalkNode[]): void {
    const file = this.file(use.fileId);
    if (!file) return;
    const mode = this.mode(file);
    const phrase = this.phrase(from, how);
    if (use.symbolId === null) {
      // Module-level code: in a test file it runs for every test of the file; elsewhere it is
      // a re-export or a registration, and walking on would select everything that imports it.
      if (mode !== "tests" && mode !== "file") return;
      if (use.kind === "references" && this.importBindings(file.id).has(use.name)) return; // the import line
      this.select(file, null, h, mode === "tests" ? `module-level code ${phrase}` : phrase);
      return;
    }
    const sym = this.symbol(use.symbolId);
    if (!sym || this.isParameter(sym, use, file)) return;
    if (mode === "tests" || mode === "file") {
      const unit = this.testUnit(sym, file);
      if (unit.kind !== "helper") {
        this.select(file, unit, h, phrase);
        if (unit.kind === "test") return;
      }
      if (how.byName) return;
      // A helper (or any named symbol of a whole-file test): its users are tests one hop further.
      const node = this.enqueue(
        unit.kind === "helper" ? unit.helper : this.unitOf(sym),
        file,
        h,
        phrase,
        next,
      );
      if (node && unit.kind === "helper") this.helpers.push(node);
      return;
    }
    // A use matched by name only selects the tests it sits in: walking on from a guess would
    // multiply it (a common method's callers' callers are half the repository).
    if (!how.byName) this.enqueue(this.unitOf(sym), file, h, phrase, next);
  }

  /**
   * A bare name that is a parameter of the function around it (or of a function enclosing that
   * one) is that parameter, whatever the graph resolved it to: a pytest test's `app` argument
   * is the fixture's value, not a use of some function `app`.
   */
  private isParameter(sym: SymbolRow, use: UseRow, file: FileRow): boolean {
    if (
      use.qualifier ||
      (use.kind !== "calls" && use.kind !== "references") ||
      !PARAMETER_NAME_FIRST.has(file.language ?? "")
    )
      return false;
    for (const s of this.chain(sym)) {
      if (!FUNCTION_KINDS.has(s.kind)) break;
      if (parameterNames(s.signature).includes(use.name)) return true;
    }
    return false;
  }

  private enqueue(
    sym: SymbolRow,
    file: FileRow,
    h: number,
    trail: string,
    next: WalkNode[],
  ): WalkNode | null {
    if (this.visited.has(sym.id)) return null;
    if (this.visited.size >= MAX_VISITED) {
      this.truncated = true;
      return null;
    }
    this.visited.add(sym.id);
    const node: WalkNode = { sym, file, hops: h, trail };
    if (h < this.hops) next.push(node);
    return node;
  }

  /**
   * Helpers in test files that nothing visibly uses (setUp, autouse fixtures, callbacks named in
   * strings): their test class, or else their whole file, is selected.
   */
  selectUnusedHelpers(): void {
    for (const node of this.helpers) {
      const { sym, file } = node;
      if (!sym || !file || (this.useCounts.get(node) ?? this.usesOf(node).length) > 0) continue;
      const unit = this.testUnit(sym, file);
      const what = node.change ? `changed ${sym.qualifiedName}` : `${sym.qualifiedName}, which ${node.trail}`;
      const reason = `${what}; nothing visibly uses it`;
      if (unit.kind === "helper" && unit.testClass) this.selectClass(file, unit.testClass, node.hops, reason);
      else if (this.mode(file) === "tests") this.select(file, null, node.hops, reason);
    }
  }

  /**
   * Test files that import a changed file but were not reached through any symbol: selected as a
   * whole when the import binds a changed name, the module itself, or everything (`*`).
   */
  selectImporters(changed: LocatedChange[]): void {
    const byFile = new Map<string, LocatedChange[]>();
    for (const c of changed) byFile.set(c.path, [...(byFile.get(c.path) ?? []), c]);
    const reachedFiles = new Set([...this.entries.values()].map((e) => e.path));
    for (const [path, list] of byFile) {
      const fileId = this.q.fileIdByPath(path);
      if (fileId === undefined) continue;
      const topLevel = new Set(
        this.q
          .symbolsOfFile(fileId)
          .filter((s) => s.parentId === null)
          .map((s) => s.name),
      );
      const relevant = new Set<string>();
      for (const c of list) {
        relevant.add(c.name);
        const s = c.id === null ? undefined : this.symbol(c.id);
        if (s) relevant.add(this.chain(s).at(-1)!.name);
      }
      for (const imp of this.q.importers(fileId)) {
        const file = this.file(imp.fileId);
        if (!file || reachedFiles.has(file.path)) continue;
        const mode = this.mode(file);
        if (mode !== "tests" && mode !== "file") continue;
        const names = imp.qualifier.split(",").filter(Boolean);
        const binds = names.find((n) => relevant.has(n)) ?? names.find((n) => !topLevel.has(n));
        if (names.length && !binds) continue;
        this.select(
          file,
          null,
          1,
          `imports ${path}${binds ? ` (${binds})` : ""}, changed ${list.map((c) => c.qualifiedName).join(", ")}; no finer use found`,
        );
        reachedFiles.add(file.path);
      }
    }
  }

  /** Test files changed only outside any symbol (imports, module-level code) run as a whole. */
  selectChangedTestFiles(changes: FileChange[], changed: LocatedChange[]): Set<string> {
    const selected = new Set<string>();
    const resolved = new Set(changed.map((c) => c.path));
    for (const c of changes) {
      if (c.deleted || resolved.has(c.path)) continue;
      const fileId = this.q.fileIdByPath(c.path);
      const file = fileId === undefined ? undefined : this.file(fileId);
      if (!file) continue;
      const mode = this.mode(file);
      if (mode !== "tests" && mode !== "file") continue;
      this.select(file, null, 0, "the test file changed outside any test");
      selected.add(c.path);
    }
    return selected;
  }

  /** The entries, a whole-file one absorbing the per-test ones of its file; by hops, path, line. */
  result(): ReachedTest[] {
    const wholeFile = new Map<string, ReachedTest>();
    for (const e of this.entries.values()) if (!e.test) wholeFile.set(e.path, e);
    const out: Array<ReachedTest & { line: number }> = [];
    for (const e of this.entries.values()) {
      const whole = wholeFile.get(e.path);
      if (e.test && whole) whole.hops = Math.min(whole.hops, e.hops);
      else out.push(e);
    }
    out.sort((a, b) => a.hops - b.hops || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
    return out.map(({ line: _line, ...e }) => e);
  }
}

function runSearch(
  graph: CodeGraph,
  changed: LocatedChange[],
  changes: FileChange[],
  options: TestReachOptions,
): TestReachResult {
  const search = new TestReachSearch(graph.db, options);
  const frontier = search.start(changed);
  const wholeTestFiles = search.selectChangedTestFiles(changes, changed);
  search.walk(frontier);
  search.selectUnusedHelpers();
  search.selectImporters(changed);
  const resolved = new Set(changed.map((c) => c.path));
  return {
    changed: changed.map((c) => `${c.path}: ${c.qualifiedName}`),
    tests: search.result(),
    unresolvedFiles: changes
      .map((c) => c.path)
      .filter(
        (p) =>
          !resolved.has(p) &&
          !wholeTestFiles.has(p) &&
          !NOT_CODE.test(p) &&
          !NOT_CODE_NAME.test(posix.basename(p)),
      ),
    truncated: search.truncated,
    notes: [...new Set(search.notes)],
  };
}

/**
 * The tests that reach the given changed symbols (from `changedSymbols`) within `hops` uses; see
 * `testsReaching`. Without the diff, `unresolvedFiles` is empty.
 */
export function testsReachingSymbols(
  graph: CodeGraph,
  changed: LocatedChange[],
  options: TestReachOptions = {},
): TestReachResult {
  return runSearch(graph, changed, [], options);
}

/**
 * Which test files and test functions reach what a diff changes, within `hops` uses (default
 * 2), and why each was chosen. The walk goes backwards from the changed symbols over calls,
 * references and inheritance; a changed constructor is used wherever its class is; unresolved
 * method calls match a changed method by name when the name is rare; a pytest fixture is used by
 * the tests of its scope that take it as a parameter; a test file importing a changed file is
 * selected as a whole only when nothing finer in it was.
 */
export async function testsReaching(
  graph: CodeGraph,
  diff: string,
  options: TestReachOptions = {},
): Promise<TestReachResult> {
  const changes = parseUnifiedDiff(diff);
  return runSearch(graph, await changedSymbols(graph, changes), changes, options);
}

/**
 * The tests that would reach a change to the symbols at these places (the innermost function,
 * method or class around each line): what the gate is likely to need, asked before any edit so
 * that their baseline can run while the model works.
 */
export function testsReachingLocations(
  graph: CodeGraph,
  places: Array<{ path: string; line: number }>,
  options: TestReachOptions = {},
): TestReachResult {
  const changed: LocatedChange[] = [];
  const seen = new Set<number>();
  for (const p of places) {
    const row = definitionAround(graph.db, p.path, p.line);
    if (!row || seen.has(row.id)) continue;
    seen.add(row.id);
    changed.push({ ...row, change: "modified", signatureChanged: false });
  }
  return runSearch(graph, changed, [], options);
}
