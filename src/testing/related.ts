import { posix } from "node:path";

const TEST_NAME =
  /(^test_.*\.py$|_test\.py$|^tests?\.py$|\.(test|spec)\.[cm]?[jt]sx?$|_test\.go$|(Test|Tests|IT)\.(java|kt)$|^Test.*\.(java|kt)$|_spec\.rb$|_test\.rb$)/;

/** Whether a path looks like a test file by the usual naming conventions. */
export function isTestFile(path: string): boolean {
  const base = posix.basename(path);
  return TEST_NAME.test(base) || /(^|\/)__tests__\//.test(path) || /(^|\/)tests\/[^/]+\.rs$/.test(path);
}

function stemOf(path: string): string {
  const base = posix.basename(path);
  return base.replace(/\.d\.ts$/, "").replace(/\.[^.]+$/, "");
}

/** Names a test of `stem` may have, per language (compared to the test file's basename). */
function candidateNames(changed: string): string[] {
  const base = posix.basename(changed);
  let stem = stemOf(changed);
  const ext = posix.extname(base);
  if (ext === ".py") {
    if (stem === "__init__") stem = posix.basename(posix.dirname(changed));
    return [`test_${stem}.py`, `${stem}_test.py`, `test_${stem}s.py`, `tests_${stem}.py`];
  }
  if (/^\.[cm]?[jt]sx?$/.test(ext)) {
    if (stem === "index") stem = posix.basename(posix.dirname(changed));
    const exts = ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];
    return exts.flatMap((e) => [`${stem}.test.${e}`, `${stem}.spec.${e}`, `${stem}.${e}`]);
  }
  if (ext === ".java" || ext === ".kt") {
    const e = ext.slice(1);
    return [`${stem}Test.${e}`, `${stem}Tests.${e}`, `Test${stem}.${e}`, `${stem}IT.${e}`];
  }
  if (ext === ".rb") return [`${stem}_spec.rb`, `${stem}_test.rb`, `test_${stem}.rb`];
  if (ext === ".rs") return [`${stem}.rs`];
  return [];
}

function distance(a: string, b: string): number {
  const da = posix.dirname(a).split("/");
  const db = posix.dirname(b).split("/");
  let common = 0;
  while (common < da.length && common < db.length && da[common] === db[common]) common++;
  return da.length - common + (db.length - common);
}

/**
 * Test files related to changed files by naming conventions: the changed file itself when it is
 * a test; `foo.py` ↔ `test_foo.py`/`foo_test.py`; `foo.ts` ↔ `foo.test.ts`/`foo.spec.ts`/
 * `__tests__/foo.ts`; Go: the `_test.go` files of the same package directory; Rust: the same
 * file (in-module tests) and `tests/foo.rs`; Java: `FooTest.java`. Nearest first.
 */
export function relatedTests(changedFiles: string[], allTestFiles: string[]): string[] {
  const out = new Set<string>();
  const tests = allTestFiles.map((t) => t.replace(/^\.\//, ""));
  const byBase = new Map<string, string[]>();
  for (const t of tests) {
    const b = posix.basename(t);
    byBase.set(b, [...(byBase.get(b) ?? []), t]);
  }
  const testSet = new Set(tests);
  for (const raw of changedFiles) {
    const changed = raw.replace(/^\.\//, "");
    const found: string[] = [];
    if (testSet.has(changed)) found.push(changed);
    const ext = posix.extname(changed);
    if (ext === ".go") {
      const dir = posix.dirname(changed);
      found.push(...tests.filter((t) => t.endsWith("_test.go") && posix.dirname(t) === dir));
    } else {
      const names = candidateNames(changed);
      const jsLike = /^\.[cm]?[jt]sx?$/.test(ext);
      for (const n of names) {
        for (const t of byBase.get(n) ?? []) {
          if (t === changed) continue;
          // A same-named plain file only counts as its test inside __tests__ (JS) or tests/ (Rust).
          const plain =
            posix.basename(t) === posix.basename(changed) || (jsLike && !/\.(test|spec)\./.test(t));
          if (plain && !(/(^|\/)__tests__\//.test(t) || (ext === ".rs" && /(^|\/)tests\//.test(t)))) continue;
          found.push(t);
        }
      }
    }
    found.sort((a, b) => distance(changed, a) - distance(changed, b) || a.localeCompare(b));
    for (const f of found) out.add(f);
  }
  return [...out];
}
