import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";
import { boundOutput } from "./truncate.js";

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
