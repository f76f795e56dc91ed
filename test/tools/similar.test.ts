import { describe, expect, it } from "vitest";
import { noMatchMessage } from "../../src/tools/editor.js";
import {
  findCandidates,
  findOccurrences,
  lineOfOffset,
  numberLines,
  similarity,
  splitLines,
} from "../../src/tools/similar.js";
import { CALC_PY } from "./helpers.js";

const file = CALC_PY;

describe("findCandidates", () => {
  it("finds a whitespace-insensitive match (wrong indentation) first", () => {
    const old = "def divide(self, a, b):\n    if b == 0:\n        raise ZeroDivisionError('b is zero')";
    const c = findCandidates(file, old);
    expect(c[0]).toEqual({ line: 14, endLine: 16, score: 1, whitespaceOnly: true });
  });

  it("ranks lines similar to the first line of old_str", () => {
    const c = findCandidates(file, "    def multiply(self, x, y):\n        return x * y");
    expect(c.length).toBeGreaterThan(0);
    expect(c[0]!.line).toBe(11);
    expect(c[0]!.endLine).toBe(12);
    expect(c[0]!.whitespaceOnly).toBe(false);
    expect(c[0]!.score).toBeGreaterThan(0.6);
  });

  it("a typo in one line still points at it", () => {
    const c = findCandidates(file, "    reslt = a - b");
    expect(c[0]!.line).toBe(6);
  });

  it("returns nothing for text unlike anything in the file", () => {
    expect(findCandidates(file, "SELECT * FROM users WHERE id = ?")).toEqual([]);
  });

  it("does not return overlapping windows and respects max", () => {
    const c = findCandidates(file, "def subtrac(a, b):\n    result = a - b\n    return result", 3);
    expect(c.length).toBeLessThanOrEqual(3);
    for (let i = 0; i < c.length; i++)
      for (let j = i + 1; j < c.length; j++) {
        const a = c[i]!;
        const b = c[j]!;
        expect(a.endLine < b.line || b.endLine < a.line).toBe(true);
      }
    expect(c[0]!.line).toBe(5);
  });

  it("stays fast on a large file", () => {
    const big = Array.from(
      { length: 20000 },
      (_, i) => `    value_${i} = compute(${i}, "some text here")`,
    ).join("\n");
    const t = performance.now();
    const c = findCandidates(big, '    value_12345 = compute(12345, "some text hare")');
    expect(c[0]!.line).toBe(12346);
    // Generous: only guards against quadratic blow-ups, never fails on a slow machine.
    expect(performance.now() - t).toBeLessThan(10_000);
  });
});

describe("helpers", () => {
  it("findOccurrences and lineOfOffset", () => {
    const occ = findOccurrences(file, "return");
    expect(occ.map((o) => lineOfOffset(file, o))).toEqual([2, 7, 12, 17]);
    expect(findOccurrences("aaaa", "aa")).toEqual([0, 2]);
    expect(findOccurrences("abc", "")).toEqual([]);
  });

  it("splitLines drops only the piece after a final newline", () => {
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\nb")).toEqual(["a", "b"]);
    expect(splitLines("")).toEqual([]);
    expect(splitLines("\n")).toEqual([""]);
  });

  it("similarity is 1 for equal strings and lower for different ones", () => {
    expect(similarity("abc", "abc")).toBe(1);
    expect(similarity("kitten", "sitting")).toBeCloseTo(1 - 3 / 7);
    expect(similarity("", "x")).toBe(0);
  });

  it("numberLines renders cat -n style and cuts very long lines", () => {
    expect(numberLines(["a", "b", "c"], 2, 3)).toBe("     2\tb\n     3\tc");
    expect(numberLines(["x".repeat(50)], 1, 1, 10)).toBe(
      `     1\t${"x".repeat(10)} [... line cut, 50 characters in all]`,
    );
  });

  it("noMatchMessage shows the candidates with line numbers", () => {
    const msg = noMatchMessage(file, "def divide(self, a, b):\n    if b == 0:", "calc.py");
    expect(msg).toContain("No match for old_str in calc.py");
    expect(msg).toContain("Lines 14-15 match if whitespace is ignored");
    expect(msg).toContain("    14\t    def divide(self, a, b):");
    const none = noMatchMessage(file, "completely unrelated content 12345", "calc.py");
    expect(none).toContain("No similar lines were found");
  });
});
