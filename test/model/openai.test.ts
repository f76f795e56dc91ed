// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk the JSON bodies the SDKs sent
import { afterEach, describe, expect, it } from "vitest";
import { InfraError, UsageError } from "../../src/common/index.js";
import { createModel, type Message, type ModelOptions, type ModelRequest } from "../../src/model/index.js";
import { type FakeOpenAIEntry, type FakeServer, startFakeOpenAI } from "../support/fake-openai.js";

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const TOOLS = [
  {
    name: "bash",
    description: "Run a command",
    inputSchema: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
  },
  { name: "submit", description: "Finish", inputSchema: { type: "object", properties: {} } },
];

function request(messages: Message[] = [{ role: "user", text: "Fix the bug." }]): ModelRequest {
  return { system: "You are fixpoint.", messages, tools: TOOLS };
}

async function model(spec: string, script: FakeOpenAIEntry[], opts: ModelOptions = {}) {
  fake = await startFakeOpenAI(script);
  return createModel(spec, { baseUrl: fake.url, retryBaseMs: 5, maxRetries: 3, env: {}, ...opts });
}

function body(i: number): Record<string, any> {
  return fake!.requests[i]!.body as Record<string, any>;
}

describe("openai provider, native tool calls", () => {
  for (const stream of [true, false]) {
    it(`returns text and tool calls (${stream ? "SSE chunks" : "JSON"})`, async () => {
      const m = await model(
        "openai:gpt-4o",
        [
          {
            reply: {
              content: "Listing files.",
              toolCalls: [
                { id: "call_a", name: "bash", arguments: { command: "ls -la src" } },
                { id: "call_b", name: "submit", arguments: "" },
              ],
              usage: { prompt_tokens: 1000, completion_tokens: 40, cached_tokens: 600 },
            },
          },
        ],
        { stream },
      );
      const r = await m.complete(request());
      expect(r.text).toBe("Listing files.");
      expect(r.toolCalls).toEqual([
        { id: "call_a", name: "bash", input: { command: "ls -la src" } },
        { id: "call_b", name: "submit", input: {} },
      ]);
      expect(r.stopReason).toBe("tool_use");
      expect(r.usage).toEqual({
        inputTokens: 400,
        outputTokens: 40,
        cacheReadTokens: 600,
        cacheWriteTokens: 0,
      });
      // gpt-4o: $2.50 input, $1.25 cached, $10 output per million
      expect(r.costUsd).toBeCloseTo((400 * 2.5 + 600 * 1.25 + 40 * 10) / 1e6, 9);
      expect(body(0).stream).toBe(stream);
      if (stream) expect(body(0).stream_options).toEqual({ include_usage: true });
      // A local base URL and no key: a placeholder key is still sent.
      expect(fake!.requests[0]!.headers.authorization).toMatch(/^Bearer \S+/);
    });
  }

  it("sends tools as functions and results as tool-role messages", async () => {
    const m = await model("openai:qwen2.5-coder:32b", [{ reply: { content: "ok" } }], {
      maxOutputTokens: 777,
    });
    const history: Message[] = [
      { role: "user", text: "Fix the bug." },
      {
        role: "assistant",
        text: "",
        toolCalls: [
          { id: "call_1", name: "bash", input: { command: "pytest" } },
          { id: "call_2", name: "bash", input: {}, rawInput: "{not json", parseError: "bad" },
        ],
      },
      {
        role: "user",
        toolResults: [
          { toolCallId: "call_1", name: "bash", output: "2 failed", isError: false },
          { toolCallId: "call_2", name: "bash", output: "invalid JSON input", isError: true },
        ],
        text: "Step 2.",
      },
    ];
    await m.complete(request(history));
    const b = body(0);
    expect(b.model).toBe("qwen2.5-coder:32b");
    expect(b.max_tokens).toBe(777);
    expect(b.tools).toEqual([
      {
        type: "function",
        function: { name: "bash", description: "Run a command", parameters: TOOLS[0]!.inputSchema },
      },
      {
        type: "function",
        function: { name: "submit", description: "Finish", parameters: TOOLS[1]!.inputSchema },
      },
    ]);
    expect(b.messages).toEqual([
      { role: "system", content: "You are fixpoint." },
      { role: "user", content: "Fix the bug." },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "bash", arguments: '{"command":"pytest"}' } },
          { id: "call_2", type: "function", function: { name: "bash", arguments: "{not json" } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: "2 failed" },
      { role: "tool", tool_call_id: "call_2", content: "[error] invalid JSON input" },
      { role: "user", content: "Step 2." },
    ]);
  });

  it("turns arguments that are not JSON objects into parseError tool calls", async () => {
    const m = await model("openai:gpt-4o-mini", [
      {
        reply: {
          toolCalls: [
            { id: "c1", name: "bash", arguments: '{"command": "ls"' },
            { id: "c2", name: "bash", arguments: '"ls"' },
          ],
        },
      },
    ]);
    const r = await m.complete(request());
    expect(r.toolCalls[0]).toMatchObject({ id: "c1", name: "bash", input: {}, rawInput: '{"command": "ls"' });
    expect(r.toolCalls[0]!.parseError).toMatch(/not valid JSON/);
    expect(r.toolCalls[1]!.parseError).toMatch(/got a string/);
  });

  it("retries 429 with retry-after, 500 and a dropped connection", async () => {
    const m = await model("openai:gpt-4o", [
      { status: 429, headers: { "retry-after": "1" } },
      { status: 500 },
      { drop: "mid-body" },
      { reply: { content: "finally" } },
    ]);
    const r = await m.complete(request());
    expect(r.text).toBe("finally");
    expect(r.stopReason).toBe("end_turn");
    expect(fake!.requests).toHaveLength(4);
    expect(fake!.requests[1]!.at - fake!.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("gives up after the retries with a one-line InfraError", async () => {
    const m = await model("openai:gpt-4o", [{ status: 502 }, { drop: "before-headers" }], { maxRetries: 1 });
    const err = await m.complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(
      /^openai gpt-4o: request failed after 2 attempts: connection error/,
    );
    expect((err as Error).message).not.toContain("\n");
  });

  it("treats 401 as a UsageError naming OPENAI_API_KEY", async () => {
    const m = await model("openai:gpt-4o", [{ status: 401 }], { apiKey: "sk-wrong-key" });
    const err = await m.complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^OPENAI_API_KEY was rejected \(401\)/);
    expect(fake!.requests).toHaveLength(1);
  });

  it("reads the key and base URL from the environment; api.openai.com needs a key", async () => {
    fake = await startFakeOpenAI([{ reply: { content: "env" } }]);
    const m = await createModel("openai:gpt-4.1", {
      env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "sk-from-env" },
    });
    expect((await m.complete(request())).text).toBe("env");
    expect(fake.requests[0]!.headers.authorization).toBe("Bearer sk-from-env");
    expect(m.contextWindow).toBe(1_047_576);
    await expect(createModel("openai:gpt-4o", { env: {} })).rejects.toThrow(/OPENAI_API_KEY/);
    const local = await createModel("openai:llama3", { env: { OPENAI_BASE_URL: fake.url } });
    expect(local.contextWindow).toBe(128_000);
  });
});

describe("openai provider, text mode", () => {
  const ACTION = '```action\n{"tool": "bash", "input": {"command": "ls"}}\n```';

  it("sends no tools, appends the protocol to the system prompt, and parses one action", async () => {
    const m = await model("openai-text:llama3", [{ reply: { content: `I will list files.\n\n${ACTION}` } }]);
    const r = await m.complete(request());
    expect(r.formatError).toBeUndefined();
    expect(r.toolCalls).toHaveLength(1);
    expect(r.toolCalls[0]).toMatchObject({ name: "bash", input: { command: "ls" } });
    expect(r.stopReason).toBe("tool_use");
    const b = body(0);
    expect(b.tools).toBeUndefined();
    expect(b.messages[0].role).toBe("system");
    expect(b.messages[0].content).toMatch(/^You are fixpoint\./);
    expect(b.messages[0].content).toContain("```action");
    expect(b.messages[0].content).toContain("## bash");
    expect(b.messages[0].content).toContain('"command"');
  });

  it("sends observations as user messages and the reply as it was written", async () => {
    const m = await model("openai-text:llama3", [{ reply: { content: ACTION } }]);
    const history: Message[] = [
      { role: "user", text: "Fix the bug." },
      {
        role: "assistant",
        text: `Looking.\n${ACTION}`,
        toolCalls: [{ id: "call_0_0", name: "bash", input: { command: "ls" } }],
      },
      {
        role: "user",
        toolResults: [{ toolCallId: "call_0_0", name: "bash", output: "a.py\nb.py", isError: false }],
        text: "Next step.",
      },
      // History from a native provider: the call is rendered as an action block.
      { role: "assistant", text: "Done.", toolCalls: [{ id: "x", name: "submit", input: {} }] },
      {
        role: "user",
        toolResults: [{ toolCallId: "x", name: "submit", output: "tests fail", isError: true }],
      },
    ];
    await m.complete(request(history));
    const msgs = body(0).messages;
    expect(msgs.map((x: any) => x.role)).toEqual([
      "system",
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
    ]);
    expect(msgs[2].content).toBe(`Looking.\n${ACTION}`);
    expect(msgs[3].content).toBe("Observation of bash:\na.py\nb.py\n\nNext step.");
    expect(msgs[4].content).toBe('Done.\n\n```action\n{"tool":"submit","input":{}}\n```');
    expect(msgs[5].content).toBe("Observation of submit (error):\ntests fail");
  });

  it("reports a format error with usage and cost when the reply breaks the protocol", async () => {
    const m = await model(
      "openai-text:gpt-4o-mini",
      [
        {
          reply: {
            content: "I think I should run the tests.",
            usage: { prompt_tokens: 500, completion_tokens: 10 },
          },
        },
        { reply: { content: `${ACTION}\n${ACTION}` } },
        { reply: { content: '```action\n{"tool": "bash", "input": {"command": "ls"},}\n```' } },
        { reply: { content: '```action\n{"tool": "rm", "input": {}}\n```' } },
      ],
      { stream: false },
    );
    const r1 = await m.complete(request());
    expect(r1.toolCalls).toEqual([]);
    expect(r1.formatError).toMatch(/no ```action block/);
    expect(r1.text).toBe("I think I should run the tests.");
    expect(r1.usage.inputTokens).toBe(500);
    expect(r1.costUsd).toBeGreaterThan(0);
    expect((await m.complete(request())).formatError).toMatch(/2 ```action blocks/);
    expect((await m.complete(request())).formatError).toMatch(/not valid JSON/);
    expect((await m.complete(request())).formatError).toMatch(
      /Unknown tool "rm"; the available tools are: bash, submit/,
    );
  });
});
