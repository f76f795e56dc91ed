import { describe, expect, it } from "vitest";
import type { Message } from "../model/index.js";
import type { TestRunReport } from "../testing/index.js";
import { Budget } from "./budget.js";
import { BestPatch, runTestGate } from "./gate.js";
import { compactHistory, estimateTokens } from "./history.js";
import { PromptRenderer } from "./prompts.js";

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

  it("reports when even full compaction cannot fit", () => {
    const h = history();
    const r = compactHistory("sys", h, [], 10, 1);
    expect(r.tokens).toBeGreaterThan(10);
  });
});

describe("BestPatch", () => {
  it("prefers more passing tests, then the smaller patch, and ignores empty ones", () => {
    const b = new BestPatch();
    b.offer({ patch: "", passing: 10 });
    expect(b.best).toBeNull();
    b.offer({ patch: "aaaa", passing: 1 });
    b.offer({ patch: "bbbbbbbb", passing: 2 });
    expect(b.best?.patch).toBe("bbbbbbbb");
    b.offer({ patch: "cc", passing: 2 });
    expect(b.best?.patch).toBe("cc");
    b.offer({ patch: "d", passing: 1 });
    expect(b.best?.patch).toBe("cc");
  });
});

describe("runTestGate", () => {
  const report = (exitCode: number, counts?: TestRunReport["counts"], command = "t"): TestRunReport => ({
    command,
    exitCode,
    timedOut: false,
    durationMs: 1,
    output: "",
    ...(counts ? { counts } : {}),
  });
  const task = {
    id: "t",
    repo: { kind: "local" as const, path: "/x" },
    problemStatement: "p",
    origin: "text",
    tests: { failToPass: ["a"], passToPass: [] },
  };

  it("runs the named failing tests first and stops there when they fail", async () => {
    const calls: Array<string[] | undefined> = [];
    const gate = await runTestGate(task, async (sel) => {
      calls.push(sel?.tests);
      return report(1, { passed: 0, failed: 1, skipped: 0, error: 0 });
    });
    expect(gate.passed).toBe(false);
    expect(calls).toEqual([["a"]]);
  });

  it("then the whole suite", async () => {
    const calls: Array<string[] | undefined> = [];
    const gate = await runTestGate(task, async (sel) => {
      calls.push(sel?.tests);
      return sel?.tests
        ? report(0, { passed: 1, failed: 0, skipped: 0, error: 0 })
        : report(0, { passed: 5, failed: 0, skipped: 1, error: 0 });
    });
    expect(gate).toMatchObject({ passed: true, skipped: false, passingCount: 5 });
    expect(calls).toEqual([["a"], undefined]);
  });

  it("is skipped (a pass) when no test command exists", async () => {
    const gate = await runTestGate({ ...task, tests: undefined }, async () => report(127, undefined, ""));
    expect(gate).toMatchObject({ passed: true, skipped: true });
  });
});

describe("PromptRenderer", () => {
  it("renders the built-in templates", () => {
    const p = new PromptRenderer();
    const text = p.render("instance", {
      problem_statement: "the bug",
      hints: "",
      localization: "",
      test_command: "pytest",
      fail_to_pass: ["t1"],
      root: "/repo",
      base_commit: "0123456789abcdef",
    });
    expect(text).toContain("<issue>\nthe bug\n</issue>");
    expect(text).toContain("- t1");
    expect(text).toContain("commit 0123456789ab");
  });
});
