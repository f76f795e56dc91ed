import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import { createModel, type ModelRequest, ScriptExhaustedError } from "../../src/model/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fixpoint-replay-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const REQ: ModelRequest = { system: "s", messages: [{ role: "user", text: "go" }], tools: [] };

const TRAJECTORY = {
  version: 1,
  runId: "r1",
  task: { id: "t" },
  config: { model: "anthropic:claude-sonnet-4-5", contextWindow: 100_000 },
  steps: [
    {
      index: 0,
      modelMs: 1200,
      response: {
        text: "Running tests.",
        toolCalls: [{ id: "toolu_1", name: "bash", input: { command: "pytest" } }],
        usage: { inputTokens: 1000, outputTokens: 50, cacheReadTokens: 800, cacheWriteTokens: 100 },
        costUsd: 0.0042,
        stopReason: "tool_use",
        model: "claude-sonnet-4-5-20250929",
      },
      observations: [{ toolCallId: "toolu_1", name: "bash", output: "1 failed", isError: false }],
    },
    {
      index: 1,
      rejected: "format",
      response: {
        text: "oops",
        toolCalls: [{ id: "toolu_2", name: "bash", input: {}, rawInput: "{bad", parseError: "not JSON" }],
        usage: { inputTokens: 10, outputTokens: 5 },
        costUsd: 0.0001,
        stopReason: "tool_use",
        model: "claude-sonnet-4-5-20250929",
        formatError: "bad",
      },
    },
  ],
  totals: { steps: 2 },
};

describe("replay model", () => {
  it("returns the recorded responses in order, with their usage and cost, then runs out", async () => {
    const path = join(dir, "traj.json");
    await writeFile(path, JSON.stringify(TRAJECTORY));
    const m = await createModel(`replay:${path}`);
    expect(m.spec).toBe(`replay:${path}`);
    expect(m.contextWindow).toBe(100_000);
    const r1 = await m.complete(REQ);
    expect(r1).toEqual(TRAJECTORY.steps[0]!.response);
    const r2 = await m.complete(REQ);
    expect(r2.toolCalls[0]).toEqual({
      id: "toolu_2",
      name: "bash",
      input: {},
      rawInput: "{bad",
      parseError: "not JSON",
    });
    expect(r2.usage).toEqual({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(r2.costUsd).toBe(0.0001);
    expect(r2.formatError).toBe("bad");
    await expect(m.complete(REQ)).rejects.toBeInstanceOf(ScriptExhaustedError);
    await expect(m.complete(REQ)).rejects.toThrow(/replayed trajectory ran out of turns: all 2 turns/);
  });

  it("lets the caller override the context window", async () => {
    const path = join(dir, "traj2.json");
    await writeFile(path, JSON.stringify(TRAJECTORY));
    expect((await createModel(`replay:${path}`, { contextWindow: 5000 })).contextWindow).toBe(5000);
  });

  it("rejects unreadable or malformed trajectories with one line", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ steps: [{ response: { text: 3 } }] }));
    await expect(createModel(`replay:${bad}`)).rejects.toThrow(
      /^trajectory .*bad\.json: steps\.0\.response\.text: /,
    );
    const empty = join(dir, "empty.json");
    await writeFile(empty, JSON.stringify({ steps: [] }));
    await expect(createModel(`replay:${empty}`)).rejects.toThrow(/records no model turns/);
    const notJson = join(dir, "x.json");
    await writeFile(notJson, "{");
    await expect(createModel(`replay:${notJson}`)).rejects.toBeInstanceOf(UsageError);
    await expect(createModel(`replay:${join(dir, "missing.json")}`)).rejects.toThrow(
      /cannot read trajectory/,
    );
  });
});
