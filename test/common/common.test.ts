import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/common/duration.js";
import { runProcess } from "../../src/common/process.js";
import { escapeRegex, shellQuote } from "../../src/common/quote.js";
import { boundOutput } from "../../src/common/truncate.js";

describe("boundOutput", () => {
  it("returns short text unchanged", () => {
    expect(boundOutput("hello", { maxChars: 100 })).toBe("hello");
  });

  it("keeps head and tail and says how much was elided", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join("\n");
    const out = boundOutput(lines, { maxChars: 200 });
    expect(out.startsWith("line 0\n")).toBe(true);
    expect(out.endsWith("line 999")).toBe(true);
    const m = out.match(/\[\.\.\. (\d+) characters \((\d+) lines\) elided \.\.\.\]/);
    expect(m).not.toBeNull();
    const kept = out.replace(/\n\[\.\.\..*\.\.\.\]\n/, "");
    expect(Number(m![1]) + kept.length).toBe(lines.length);
  });
});

describe("parseDuration", () => {
  it("reads seconds, compound units and milliseconds", () => {
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("2.5s")).toBe(2500);
  });

  it("rejects text that is not a duration", () => {
    expect(() => parseDuration("soon", "--max-time")).toThrow(/--max-time/);
    expect(() => parseDuration("5x")).toThrow();
    expect(() => parseDuration("")).toThrow();
  });
});

describe("shellQuote", () => {
  it("leaves safe words bare and quotes the rest so bash reads them back as one word", async () => {
    expect(shellQuote("src/a_b-1.py")).toBe("src/a_b-1.py");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const words = ["a b", "$HOME", "`x`", "it's", "*", "x\ny", '--flag="q"', "nul\0byte"];
    const r = await runProcess("bash", ["-c", `printf '%s|' ${words.map(shellQuote).join(" ")}`]);
    expect(r.stdout).toBe(`${words.map((w) => w.replace("\0", "")).join("|")}|`);
  });
});

describe("escapeRegex", () => {
  it("makes every character literal", () => {
    const s = "a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o";
    expect(new RegExp(`^${escapeRegex(s)}$`).test(s)).toBe(true);
    expect(new RegExp(escapeRegex("a.c")).test("abc")).toBe(false);
  });
});
