import { describe, expect, it } from "vitest";
import { Budget } from "../../src/agent/budget.js";
import { BestPatch } from "../../src/agent/gate.js";
import { compactHistory, estimateTokens } from "../../src/agent/history.js";
import type { Message } from "../../src/model/index.js";

const usage = (i: number, o: number) => ({
  inputTokens: i,
  outputTokens: o,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

describe("Budget", () => {
  it("stops at max steps", () => {
    const b = new Budget({ maxSteps: 2 });
    expect(b.exhausted()).toBeNull();
    b.charge(usage(10, 5), 0);
    b.charge(usage(10, 5), 0);
    expect(b.exhausted()).toBe("exit_steps");
  });

  it("stops at the cost cap before steps", () => {
    const b = new Budget({ maxSteps: 100, maxCostUsd: 1 });
    b.charge(usage(1, 1), 0.6);
    expect(b.exhausted()).toBeNull();
    b.charge(usage(1, 1), 0.6);
    expect(b.exhausted()).toBe("exit_cost");
  });

  it("stops at the token cap and the time cap", () => {
    const b = new Budget({ maxSteps: 100, maxTokens: 100 });
    b.charge(usage(90, 20), 0);
    expect(b.exhausted()).toBe("exit_tokens");
    let now = 0;
    const t = new Budget({ maxSteps: 100, maxTimeMs: 1000 }, () => now);
    now = 999;
    expect(t.exhausted()).toBeNull();
    now = 1000;
    expect(t.exhausted()).toBe("exit_time");
  });
});

describe("compactHistory", () => {
  const big = "x".repeat(4000);
  const history = (): Message[] => [
    { role: "user", text: "instance" },
    { role: "assistant", text: "", toolCalls: [{ id: "1", name: "bash", input: { command: "cat a" } }] },
    { role: "user", toolResults: [{ toolCallId: "1", name: "bash", output: big, isError: false }] },
    { role: "assistant", text: "", toolCalls: [{ id: "2", name: "editor", input: { command: "view" } }] },
    { role: "user", toolResults: [{ toolCallId: "2", name: "editor", output: big, isError: false }] },
    { role: "assistant", text: "", toolCalls: [{ id: "3", name: "bash", input: { command: "ls" } }] },
    { role: "user", toolResults: [{ toolCallId: "3", name: "bash", output: big, isError: false }] },
  ];

  it("does nothing under the limit", () => {
    const h = history();
    expect(compactHistory("sys", h, [], 1_000_000).elided).toBe(0);
  });

  it("elides the oldest non-edit outputs first and keeps the recent ones", () => {
    const h = history();
    const before = estimateTokens("sys", h, []);
    const r = compactHistory("sys", h, [], before - 500, 1);
    expect(r.elided).toBe(1);
    const results = h.flatMap((m) => (m.role === "user" ? (m.toolResults ?? []) : []));
    expect(results[0]?.output).toMatch(/^\[output elided/);
    expect(results[1]?.output).toBe(big); // editor output kept
    expect(results[2]?.output).toBe(big); // most recent kept
    expect(r.tokens).toBeLessThan(before);
  });

  it("reports when even full compaction cannot fit: everything elidable elided, the true size returned", () => {
    const h = history();
    const r = compactHistory("sys", h, [], 10, 1);
    // The bash output elided; the editor output (a record of a change) and the most recent kept.
    expect(r.elided).toBe(1);
    const results = h.flatMap((m) => (m.role === "user" ? (m.toolResults ?? []) : []));
    expect(results.map((x) => x.output.startsWith("[output elided"))).toEqual([true, false, false]);
    // The size it reports is the compacted history's, still over the limit: the loop stops with exit_context.
    expect(r.tokens).toBe(estimateTokens("sys", h, []));
    expect(r.tokens).toBeGreaterThan(10);
  });
});

describe("BestPatch", () => {
  it("prefers more named tests passing, then fewer regressions, then the smaller patch; never an empty one", () => {
    const b = new BestPatch();
    b.offer({ patch: "", namedPassing: 10, regressions: 0 });
    expect(b.best).toBeNull();
    b.offer({ patch: "aaaa", namedPassing: 1, regressions: 0 });
    b.offer({ patch: "bbbbbbbb", namedPassing: 2, regressions: 3 });
    expect(b.best?.patch).toBe("bbbbbbbb");
    b.offer({ patch: "cccccccccccc", namedPassing: 2, regressions: 1 });
    expect(b.best?.patch).toBe("cccccccccccc");
    b.offer({ patch: "dd", namedPassing: 2, regressions: 1 });
    expect(b.best?.patch).toBe("dd");
    b.offer({ patch: "e", namedPassing: 1, regressions: 0 });
    expect(b.best?.patch).toBe("dd");
  });
});
