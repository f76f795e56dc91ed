import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import {
  createModel,
  type ModelRequest,
  ScriptExhaustedError,
  scriptedModelFromTurns,
} from "../../src/model/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fixpoint-scripted-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const REQ: ModelRequest = {
  system: "s",
  messages: [{ role: "user", text: "go" }],
  tools: [
    { name: "bash", description: "", inputSchema: {} },
    { name: "submit", description: "", inputSchema: {} },
  ],
};

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

describe("scripted model", () => {
  it("plays a YAML script: text, tool calls with deterministic ids, usage, cost, raw replies", async () => {
    const path = await file(
      "solve.yaml",
      [
        "turns:",
        "  - text: Let me run the tests.",
        "    tool_calls:",
        "      - name: bash",
        "        input: { command: pytest -x }",
        "      - name: bash",
        "        input: { command: ls }",
        "    usage: { input_tokens: 1200, output_tokens: 40 }",
        "    cost_usd: 0.01",
        "  - raw: |",
        "      Done.",
        "      ```action",
        '      {"tool": "submit", "input": {}}',
        "      ```",
        "  - raw: I forgot the block.",
        "  - text: Nothing to do.",
      ].join("\n"),
    );
    const m = await createModel(`scripted:${path}`);
    expect(m.spec).toBe(`scripted:${path}`);
    const r1 = await m.complete(REQ);
    expect(r1.text).toBe("Let me run the tests.");
    expect(r1.toolCalls).toEqual([
      { id: "call_0_0", name: "bash", input: { command: "pytest -x" } },
      { id: "call_0_1", name: "bash", input: { command: "ls" } },
    ]);
    expect(r1.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 40,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    expect(r1.costUsd).toBe(0.01);
    expect(r1.stopReason).toBe("tool_use");
    const r2 = await m.complete(REQ);
    expect(r2.toolCalls).toEqual([{ id: "call_1_0", name: "submit", input: {} }]);
    expect(r2.formatError).toBeUndefined();
    const r3 = await m.complete(REQ);
    expect(r3.toolCalls).toEqual([]);
    expect(r3.formatError).toMatch(/no ```action block/);
    const r4 = await m.complete(REQ);
    expect(r4).toMatchObject({ text: "Nothing to do.", toolCalls: [], stopReason: "end_turn", costUsd: 0 });
    const err = await m.complete(REQ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptExhaustedError);
    expect((err as ScriptExhaustedError).turns).toBe(4);
    expect((err as Error).message).toBe("scripted model ran out of turns: all 4 turns were used");
  });

  it("cycles forever with loop: true (JSON file)", async () => {
    const path = await file(
      "loop.json",
      JSON.stringify({
        loop: true,
        turns: [{ tool_calls: [{ name: "bash", input: { command: "true" } }], cost_usd: 0.5 }],
      }),
    );
    const m = await createModel(`scripted:${path}`);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await m.complete(REQ)).toolCalls[0]!.id);
    expect(ids).toEqual(["call_0_0", "call_1_0", "call_2_0", "call_3_0", "call_4_0"]);
  });

  it("returns independent copies of scripted inputs", async () => {
    const m = scriptedModelFromTurns([{ tool_calls: [{ name: "bash", input: { command: "ls" } }] }], {
      loop: true,
    });
    const a = await m.complete(REQ);
    (a.toolCalls[0]!.input as Record<string, unknown>).command = "changed";
    expect((await m.complete(REQ)).toolCalls[0]!.input).toEqual({ command: "ls" });
  });

  it("rejects bad files with one line naming the turn and field", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ["typo.yaml", "turns:\n  - text: hi\n  - tool_call: []\n", /turns\.1: Unrecognized key: "tool_call"/],
      ["noname.yaml", "turns:\n  - tool_calls:\n      - input: {}\n", /turns\.0\.tool_calls\.0\.name: /],
      ["empty-turn.yaml", "turns:\n  - {}\n", /turns\.0: a turn needs text, tool_calls or raw/],
      ["both.yaml", "turns:\n  - raw: x\n    text: y\n", /turns\.0: raw replaces text and tool_calls/],
      [
        "usage.yaml",
        "turns:\n  - text: a\n    usage: { input_tokens: -1, output_tokens: 0 }\n",
        /turns\.0\.usage\.input_tokens/,
      ],
      ["none.yaml", "turns: []\n", /turns: the script needs at least one turn/],
      ["bad.yaml", "turns: [\n  - a: b\n", /not valid YAML/],
      ["bad.json", "{turns:", /not valid JSON/],
    ];
    for (const [name, text, re] of cases) {
      const path = await file(name, text);
      const err = await createModel(`scripted:${path}`).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(UsageError);
      expect((err as Error).message, name).toMatch(re);
      expect((err as Error).message, name).not.toContain("\n");
    }
    const missing = await createModel(`scripted:${join(dir, "nope.yaml")}`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UsageError);
    expect((missing as Error).message).toMatch(/cannot read .*nope\.yaml: ENOENT/);
  });
});
