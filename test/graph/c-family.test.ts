/**
 * C and C++ as real projects write them: attribute-like macros masked before parsing, `.h`
 * headers read as C++ when they are, and calls through a chain of includes reaching the one
 * definition behind the headers' prototypes.
 */
import { describe, expect, it } from "vitest";
import { maskSpecifierMacros } from "../../src/graph/c-macros.js";
import { extractFile } from "../../src/graph/extract.js";
import { bracketBalance } from "../../src/graph/guard.js";
import { checkSyntaxRegression, languageForFile, openCodeGraph } from "../../src/graph/index.js";
import { LanguageLoader } from "../../src/graph/parser.js";
import { tempCache, writeRepo } from "./fixtures.js";

const loader = new LanguageLoader("native");

// The shapes of fmt's headers: a namespace opened by a macro, specifier macros before
// declarations and after `struct`, `if constexpr` spelled as a macro.
const FMT_LIKE = `#ifndef ARGS_H_
#define ARGS_H_
#define FMT_CONSTEXPR constexpr
#define FMT_BEGIN_NAMESPACE namespace fmt {
#define FMT_END_NAMESPACE }
FMT_BEGIN_NAMESPACE

class FMT_API dynamic_store {
  template <typename T> struct typed_node {
    T value;
    template <typename Arg>
    FMT_CONSTEXPR typed_node(const Arg& arg) : value(arg) {}
  };

  auto data() const -> const int* {
    return empty() ? data_.data() : data_.data() + 1;
  }

 public:
  template <typename T> void push_back(const T& arg) {
    if FMT_CONSTEXPR20 (need_copy<T>::value)
      emplace_arg(store(arg));
    else
      emplace_arg(unwrap(arg));
  }
};

FMT_END_NAMESPACE
#endif
`;

describe("C and C++ macros", () => {
  it("masks specifier macros in place and leaves calls, constants, casts and directives", () => {
    const src = [
      "FMT_BEGIN_NAMESPACE",
      "FMT_CONSTEXPR auto f() -> int { return MAX_SIZE + g(SOME_FLAG); }",
      "struct FMT_API buffer {};",
      "template <typename T> FMT_INLINE void h(T) FMT_NOEXCEPT {}",
      "  if FMT_CONSTEXPR20 (x) y();",
      "size_t n = (size_t) SIZE_MAX;",
      'FMT_ASSERT(n > 0, "positive");',
      "enum { RED_ONE, GREEN_TWO = 2,",
      "  BLUE_THREE };",
      "HANDLE_T h = open_it();",
      '#define FMT_API __attribute__((visibility("default")))',
      "case LONG_NAME: return NULL;",
    ].join("\n");
    const out = maskSpecifierMacros(src);
    expect(out.length).toBe(src.length);
    const lines = out.split("\n");
    expect(lines[0]!.trim()).toBe("");
    expect(lines[1]).toBe("              auto f() -> int { return MAX_SIZE + g(SOME_FLAG); }");
    expect(lines[2]).toBe("struct         buffer {};");
    expect(lines[3]).toBe("template <typename T>            void h(T)              {}");
    expect(lines[4]).toBe("  if                 (x) y();");
    // Untouched: a cast of a constant, a function-like macro, enumerators, a type of a variable,
    // a preprocessor line, a case label.
    expect(lines.slice(5)).toEqual(src.split("\n").slice(5));
  });

  // The namespace a masked macro opened is not seen: its members are named from the class down.
  it("a fmt-like header: the class and its members, no function made of a statement", async () => {
    expect(languageForFile("include/fmt/args.h", FMT_LIKE)).toBe("cpp");
    const ex = extractFile(await loader.load("cpp"), FMT_LIKE);
    const functions = ex.symbols
      .filter((s) => s.kind === "function" || s.kind === "method")
      .map((s) => `${s.qualifiedName}:${s.line}`);
    expect(functions).toEqual([
      "dynamic_store.typed_node.typed_node:12",
      "dynamic_store.data:15",
      "dynamic_store.push_back:20",
    ]);
    expect(ex.errorCount).toBe(0);
  });

  it("a variable constructed in a body is not a function (C++'s most vexing parse)", async () => {
    const src =
      "struct buffer { buffer(int); };\nint use(int data) {\n  buffer b(data);\n  return data;\n}\n";
    const ex = extractFile(await loader.load("cpp"), src);
    expect(ex.symbols.filter((s) => s.kind === "function" || s.kind === "method").map((s) => s.name)).toEqual(
      ["buffer", "use"],
    );
  });

  it("the edit guard reads a C++ header as the graph does: a good edit passes, a broken one is refused", async () => {
    const good = FMT_LIKE.replace("return empty() ?", "return !empty() ?");
    expect(await checkSyntaxRegression("include/fmt/args.h", FMT_LIKE, good)).toBeNull();
    const bad = FMT_LIKE.replace("void push_back(const T& arg) {", "void push_back(const T& arg) {{");
    expect(await checkSyntaxRegression("include/fmt/args.h", FMT_LIKE, bad)).toMatch(
      /^Edit refused: .*args\.h/,
    );
    const unclosed = FMT_LIKE.replace("emplace_arg(unwrap(arg));", "emplace_arg(unwrap(arg);");
    expect(await checkSyntaxRegression("include/fmt/args.h", FMT_LIKE, unclosed)).toMatch(/^Edit refused/);
  });

  it("accepts valid C++ that tree-sitter misreads, as long as the brackets still balance", async () => {
    // fmt-2292's gold patch, refused by the guard: tree-sitter-cpp reads a `= {}` default
    // argument before `) const` as a missing type.
    const before = [
      "template <typename Char> struct formatter {",
      "  template <typename FormatContext>",
      "  auto format(const std::tm& tm, FormatContext& ctx) const",
      "      -> decltype(ctx.out()) {",
      "    return ctx.out();",
      "  }",
      "};",
      "",
    ].join("\n");
    const after = before.replace(
      "FormatContext& ctx) const",
      "FormatContext& ctx, const std::basic_string<Char> subseconds = {}) const",
    );
    expect(await checkSyntaxRegression("include/fmt/chrono.h", before, after)).toBeNull();
    expect(bracketBalance(before)).toBe("0,0,0");
    expect(bracketBalance("f(\"}\", '{'); // )\n#define X (\n/* [ */ g();")).toBe("0,0,0");
    expect(bracketBalance("}{")).toBe("0,0,0,early");
  });

  it("reads a C header as C, and a header that writes C++ as C++", () => {
    const cHeader =
      '#ifdef __cplusplus\nextern "C" {\n#endif\nint jv_get(int x);\n#ifdef __cplusplus\n}\n#endif\n';
    expect(languageForFile("src/jv.h", cHeader)).toBe("c");
    expect(languageForFile("src/a.h", "namespace a {\nint f();\n}\n")).toBe("cpp");
    expect(languageForFile("src/b.h", "template <typename T> T id(T x) { return x; }\n")).toBe("cpp");
    expect(languageForFile("src/c.h", "class Box {\n public:\n  int w;\n};\n")).toBe("cpp");
    expect(languageForFile("src/d.c", "namespace x {}\n")).toBe("c");
  });
});

describe("C calls across files", () => {
  it("a call through a chain of includes reaches the definition behind the header's prototype", async () => {
    const r = writeRepo({
      "src/jv.h": "#ifndef JV_H\n#define JV_H\ntypedef int jv;\njv jv_concat(jv a, jv b);\n#endif\n",
      "src/jq.h": '#include "jv.h"\nint jq_run(void);\n',
      "src/builtin.h": '#include "jq.h"\n',
      "src/jv.c": '#include "jv.h"\njv jv_concat(jv a, jv b) {\n  return a + b;\n}\n',
      "src/builtin.c": '#include "builtin.h"\nstatic jv plus(jv a, jv b) {\n  return jv_concat(a, b);\n}\n',
      "src/main.c": '#include "jv.h"\nint main(void) {\n  return jv_concat(1, 2);\n}\n',
    });
    const h = await openCodeGraph(r, { cacheDir: tempCache(), workers: 0 });
    try {
      await h.build();
      const callers = h
        .callers("jv_concat")
        .map((c) => `${c.path}:${c.line}`)
        .sort();
      expect(callers).toEqual(["src/builtin.c:3", "src/main.c:3"]);
      const targets = h.db
        .prepare(
          "SELECT DISTINCT f.path FROM edges e JOIN symbols t ON t.id = e.dst_symbol JOIN files f ON f.id = t.file_id WHERE e.kind = 'calls' AND t.name = 'jv_concat'",
        )
        .pluck()
        .all();
      expect(targets).toEqual(["src/jv.c"]);
    } finally {
      h.close();
    }
  });
});
