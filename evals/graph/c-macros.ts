/**
 * How the graph reads real C and C++ code, before and now: "before" parses each file as written,
 * in the language of its extension (`.h` is C); "now" masks attribute-like macros first
 * (src/graph/c-macros.ts) and reads a `.h` that writes C++ as C++ (`languageForFile`). Per
 * repository: files with a syntax error, function and method definitions, and how many of those
 * sit inside another function (a misparse: C and C++ define no functions there).
 *
 *   npx tsx evals/graph/c-macros.ts DIR [DIR…]     # checkouts (work trees)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { maskSpecifierMacros } from "../../src/graph/c-macros.js";
import { extractTree, syntaxProblems } from "../../src/graph/extract.js";
import { languageForFile, languageForPath } from "../../src/graph/languages.js";
import { LanguageLoader } from "../../src/graph/parser.js";

const loader = new LanguageLoader("auto");

function* sources(dir: string, root = dir): Generator<string> {
  for (const e of readdirSync(dir)) {
    if (e.startsWith(".")) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* sources(p, root);
    else {
      const l = languageForPath(relative(root, p));
      if (l === "c" || l === "cpp") yield p;
    }
  }
}

interface Tally {
  files: number;
  withErrors: number;
  functions: number;
  nested: number;
}

for (const dir of process.argv.slice(2)) {
  const raw: Tally = { files: 0, withErrors: 0, functions: 0, nested: 0 };
  const masked: Tally = { ...raw };
  for (const path of sources(dir)) {
    const rel = relative(dir, path);
    const source = readFileSync(path, "utf8");
    for (const [text, t, language] of [
      [source, raw, languageForPath(rel)!],
      [maskSpecifierMacros(source), masked, languageForFile(rel, source)!],
    ] as const) {
      const lang = await loader.load(language);
      const tree = lang.parse(text);
      try {
        t.files++;
        if (syntaxProblems(tree.root, 1).length) t.withErrors++;
        const ex = extractTree(lang, tree.root, text);
        for (const s of ex.symbols) {
          if (s.kind !== "function" && s.kind !== "method") continue;
          t.functions++;
          for (let p = s.parent; p >= 0; p = ex.symbols[p]!.parent) {
            const k = ex.symbols[p]!.kind;
            if (k === "function" || k === "method") {
              t.nested++;
              break;
            }
          }
        }
      } finally {
        tree.dispose();
      }
    }
  }
  const row = (name: string, t: Tally) =>
    `  ${name.padEnd(10)} files with a syntax error ${t.withErrors}/${t.files}, functions ${t.functions} (inside another function: ${t.nested})`;
  console.log(`${dir}\n${row("as written", raw)}\n${row("now", masked)}`);
}
