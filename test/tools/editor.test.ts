import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ToolCall } from "../../src/model/index.js";
import { createDefaultTools, type GraphHooks, newToolState, ToolRegistry } from "../../src/tools/index.js";
import { CALC_PY, type Harness, makeHarness } from "./helpers.js";

const reg = new ToolRegistry(createDefaultTools());
let n = 0;
const editor = (input: Record<string, unknown>): ToolCall => ({ id: `e${n++}`, name: "editor", input });

describe("editor on a real sandbox", () => {
  let h: Harness;
  const file = (rel: string) => join(h.sandbox.root, rel);
  const run = (input: Record<string, unknown>) => reg.execute(editor(input), h.ctx);

  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it("views a file with line numbers", async () => {
    const r = await run({ command: "view", path: "calc.py" });
    expect(r.isError).toBe(false);
    expect(r.output.split("\n")[0]).toBe("calc.py (17 lines):");
    expect(r.output).toContain("     1\tdef add(a, b):");
    expect(r.output).toContain("    17\t        return a / b");
  });

  it("views a range, with -1 meaning the end; rejects a bad range", async () => {
    const r = await run({ command: "view", path: "calc.py", view_range: [14, -1] });
    expect(r.output.split("\n")).toEqual([
      "calc.py lines 14-17 of 17:",
      "    14\t    def divide(self, a, b):",
      "    15\t        if b == 0:",
      "    16\t            raise ZeroDivisionError('b is zero')",
      "    17\t        return a / b",
    ]);
    const bad = await run({ command: "view", path: "calc.py", view_range: [40, 50] });
    expect(bad.isError).toBe(true);
    expect(bad.output).toContain("has 17 lines");
    const absolute = await run({ command: "view", path: file("calc.py"), view_range: [1, 1] });
    expect(absolute.output).toContain("     1\tdef add(a, b):");
  });

  it("bounds a long file and says how to see more", async () => {
    const long = Array.from({ length: 3000 }, (_, i) => `line number ${i + 1}`).join("\n");
    writeFileSync(file("long.txt"), long);
    const r = await run({ command: "view", path: "long.txt" });
    expect(r.output.length).toBeLessThan(10_000);
    expect(r.output).toMatch(/^long\.txt lines 1-\d+ of 3000:/);
    const m = /output cut at line (\d+); view_range \[(\d+), -1\] shows more/.exec(r.output);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(Number(m![1]) + 1);
  });

  it("lists a directory two levels deep without hidden files and node_modules", async () => {
    writeFileSync(file("src/deep/nested/too-deep.txt"), "x\n");
    const r = await run({ command: "view", path: "." });
    const lines = r.output.split("\n").slice(1);
    expect(lines).toContain("calc.py");
    expect(lines).toContain("src/");
    expect(lines).toContain("src/util.js");
    expect(lines).toContain("src/deep/");
    expect(lines.some((l) => l.includes("nested/"))).toBe(false);
    expect(lines.some((l) => l.includes(".hidden") || l.includes(".git") || l.includes(".gitignore"))).toBe(
      false,
    );
    const sub = await run({ command: "view", path: "src" });
    expect(sub.output).toContain("deep/nested/");
  });

  it("says when a file is missing and where a file of that name is", async () => {
    const r = await run({ command: "view", path: "lib/util.js" });
    expect(r.isError).toBe(true);
    expect(r.output).toBe("lib/util.js does not exist. Files with that name: src/util.js.");
  });

  it("creates a file, and undo deletes it", async () => {
    const r = await run({ command: "create", path: "pkg/new_mod.py", file_text: "X = 1\n" });
    expect(r).toMatchObject({ isError: false, changedFiles: ["pkg/new_mod.py"] });
    expect(r.output).toBe("Created pkg/new_mod.py (1 lines).");
    expect(readFileSync(file("pkg/new_mod.py"), "utf8")).toBe("X = 1\n");
    const u = await run({ command: "undo_edit", path: "pkg/new_mod.py" });
    expect(u.isError).toBe(false);
    expect(u.output).toContain("deleted");
    expect(existsSync(file("pkg/new_mod.py"))).toBe(false);
    const again = await run({ command: "undo_edit", path: "pkg/new_mod.py" });
    expect(again.isError).toBe(true);
    expect(again.output).toContain("no edit of pkg/new_mod.py to undo");
  });

  it("create over an existing file says it overwrote, undo restores", async () => {
    writeFileSync(file("over.txt"), "old\n");
    const r = await run({ command: "create", path: "over.txt", file_text: "new\ncontent\n" });
    expect(r.output).toBe("Overwrote over.txt: it had 1 lines, now 2.");
    await run({ command: "undo_edit", path: "over.txt" });
    expect(readFileSync(file("over.txt"), "utf8")).toBe("old\n");
  });

  it("str_replace replaces a unique match, shows the region, and undo restores", async () => {
    const r = await run({
      command: "str_replace",
      path: "calc.py",
      old_str: "        if b == 0:\n            raise ZeroDivisionError('b is zero')",
      new_str: "        if b == 0:\n            raise ValueError('cannot divide by zero')",
    });
    expect(r.isError).toBe(false);
    expect(r.changedFiles).toEqual(["calc.py"]);
    expect(r.output).toContain("Edited calc.py.");
    expect(r.output).toContain("    16\t            raise ValueError('cannot divide by zero')");
    expect(r.output).toContain("    12\t        return a * b"); // context before
    expect(readFileSync(file("calc.py"), "utf8")).toContain("raise ValueError('cannot divide by zero')");
    const u = await run({ command: "undo_edit", path: "calc.py" });
    expect(u.isError).toBe(false);
    expect(readFileSync(file("calc.py"), "utf8")).toBe(CALC_PY);
  });

  it("str_replace with no match shows the nearest candidates with line numbers", async () => {
    const r = await run({
      command: "str_replace",
      path: "calc.py",
      old_str: "def divide(self, a, b):\n    if b == 0:",
      new_str: "x",
    });
    expect(r.isError).toBe(true);
    expect(r.output).toContain("No match for old_str in calc.py");
    expect(r.output).toContain("Lines 14-15 match if whitespace is ignored");
    expect(r.output).toContain("    14\t    def divide(self, a, b):");
    const typo = await run({
      command: "str_replace",
      path: "calc.py",
      old_str: "    reslt = a - b",
      new_str: "x",
    });
    expect(typo.output).toMatch(/Lines 6-6 are similar \(\d+%\):\n {5}6\t {4}result = a - b/);
    expect(readFileSync(file("calc.py"), "utf8")).toBe(CALC_PY);
  });

  it("str_replace with several matches lists their lines", async () => {
    const r = await run({ command: "str_replace", path: "calc.py", old_str: "return", new_str: "yield" });
    expect(r.isError).toBe(true);
    expect(r.output).toContain("old_str occurs 4 times in calc.py, starting at lines 2, 7, 12, 17");
    expect(readFileSync(file("calc.py"), "utf8")).toBe(CALC_PY);
  });

  it("str_replace handles CRLF files when old_str uses \\n", async () => {
    writeFileSync(file("win.txt"), "alpha\r\nbeta\r\ngamma\r\n");
    const r = await run({
      command: "str_replace",
      path: "win.txt",
      old_str: "alpha\nbeta",
      new_str: "one\ntwo",
    });
    expect(r.isError).toBe(false);
    expect(readFileSync(file("win.txt"), "utf8")).toBe("one\r\ntwo\r\ngamma\r\n");
  });

  it("insert at the top, in the middle and at the end", async () => {
    writeFileSync(file("ins.txt"), "a\nb\n");
    expect((await run({ command: "insert", path: "ins.txt", insert_line: 0, new_str: "top" })).isError).toBe(
      false,
    );
    await run({ command: "insert", path: "ins.txt", insert_line: 2, new_str: "mid1\nmid2\n" });
    const r = await run({ command: "insert", path: "ins.txt", insert_line: 5, new_str: "end" });
    expect(r.output).toContain("after line 5");
    expect(readFileSync(file("ins.txt"), "utf8")).toBe("top\na\nmid1\nmid2\nb\nend\n");
    const bad = await run({ command: "insert", path: "ins.txt", insert_line: 99, new_str: "x" });
    expect(bad.isError).toBe(true);
    expect(bad.output).toContain("out of range");
    await run({ command: "undo_edit", path: "ins.txt" });
    expect(readFileSync(file("ins.txt"), "utf8")).toBe("top\na\nmid1\nmid2\nb\n");
  });

  it("refuses paths outside the checkout: ../ and a symlink", async () => {
    const up = await run({ command: "view", path: "../../etc/passwd" });
    expect(up.isError).toBe(true);
    expect(up.output).toContain("outside the checkout");
    const abs = await run({ command: "create", path: "/tmp/fixpoint-escape.txt", file_text: "x" });
    expect(abs.isError).toBe(true);
    expect(existsSync("/tmp/fixpoint-escape.txt")).toBe(false);
    symlinkSync("/etc", file("etc-link"));
    const link = await run({ command: "view", path: "etc-link/hostname" });
    expect(link.isError).toBe(true);
    expect(link.output).toContain("outside the checkout");
    const write = await run({ command: "create", path: "etc-link/fixpoint-test", file_text: "x" });
    expect(write.isError).toBe(true);
    expect(existsSync("/etc/fixpoint-test")).toBe(false);
    const git = await run({ command: "create", path: ".git/hooks/pre-commit", file_text: "x" });
    expect(git.isError).toBe(true);
  });

  it("a symlink inside the checkout resolves to its target", async () => {
    symlinkSync("calc.py", file("calc-link.py"));
    const r = await run({ command: "view", path: "calc-link.py", view_range: [1, 1] });
    expect(r.output).toContain("calc.py lines 1-1 of 17");
  });

  it("the syntax guard refuses an edit and the file stays unchanged", async () => {
    const checkEdit = vi.fn(async (_path: string, _before: string | null, after: string) =>
      after.includes("def (") ? "the edit introduces a syntax error at line 1 (ERROR node)" : null,
    );
    const update = vi.fn(async () => {});
    const graph: GraphHooks = { update, checkEdit };
    const ctx = { ...h.ctx, graph, state: newToolState() };
    const bad = await reg.execute(
      editor({ command: "str_replace", path: "calc.py", old_str: "def add(a, b):", new_str: "def (a, b):" }),
      ctx,
    );
    expect(bad.isError).toBe(true);
    expect(bad.output).toBe(
      "Edit of calc.py refused, the file was not changed: the edit introduces a syntax error at line 1 (ERROR node)",
    );
    expect(checkEdit).toHaveBeenCalledWith("calc.py", CALC_PY, expect.stringContaining("def (a, b):"));
    expect(readFileSync(file("calc.py"), "utf8")).toBe(CALC_PY);
    expect(update).not.toHaveBeenCalled();
    expect(ctx.state.editHistory.size).toBe(0);

    const created = await reg.execute(
      editor({ command: "create", path: "ok.py", file_text: "x = 1\n" }),
      ctx,
    );
    expect(created.isError).toBe(false);
    expect(checkEdit).toHaveBeenLastCalledWith("ok.py", null, "x = 1\n");
    expect(update).toHaveBeenCalledWith(["ok.py"]);
  });
});
