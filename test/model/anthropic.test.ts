// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk the JSON bodies the SDKs sent
import { afterEach, describe, expect, it } from "vitest";
import { InfraError, UsageError } from "../../src/common/index.js";
import { createModel, type Message, type ModelOptions, type ModelRequest } from "../../src/model/index.js";
import { type FakeAnthropicEntry, type FakeServer, startFakeAnthropic } from "../support/fake-anthropic.js";

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

async function model(script: FakeAnthropicEntry[], opts: ModelOptions = {}) {
  fake = await startFakeAnthropic(script);
  return createModel("anthropic:claude-sonnet-4-5", {
    baseUrl: fake.url,
    apiKey: "sk-ant-test-0000",
    retryBaseMs: 5,
    maxRetries: 3,
    ...opts,
  });
}

function body(i: number): Record<string, any> {
  return fake!.requests[i]!.body as Record<string, any>;
}

describe("anthropic provider", () => {
  for (const stream of [true, false]) {
    it(`returns text and tool calls from a tool-use turn (${stream ? "SSE" : "JSON"})`, async () => {
      const m = await model(
        [
          {
            reply: {
              text: "Let me look at the tests first.",
              toolUses: [
                { id: "toolu_a", name: "bash", input: { command: "pytest -x -q 'tests/test a.py'" } },
                { id: "toolu_b", name: "submit", input: {} },
              ],
              usage: { input_tokens: 1000, output_tokens: 50 },
            },
          },
        ],
        { stream },
      );
      const r = await m.complete(request());
      expect(r.text).toBe("Let me look at the tests first.");
      expect(r.toolCalls).toEqual([
        { id: "toolu_a", name: "bash", input: { command: "pytest -x -q 'tests/test a.py'" } },
        { id: "toolu_b", name: "submit", input: {} },
      ]);
      expect(r.stopReason).toBe("tool_use");
      expect(r.model).toBe("claude-sonnet-4-5");
      expect(r.usage).toEqual({
        inputTokens: 1000,
        outputTokens: 50,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      });
      // $3 / $15 per million
      expect(r.costUsd).toBeCloseTo(0.003 + 0.00075, 9);
      expect(body(0).stream).toBe(stream);
      expect(body(0).model).toBe("claude-sonnet-4-5");
      expect(fake!.requests[0]!.headers.authorization).toBe("Bearer sk-ant-test-0000");
    });
  }

  it("sends tools, system and tool results with cache breakpoints on the stable prefix", async () => {
    const m = await model([{ reply: { text: "ok" } }]);
    const history: Message[] = [
      { role: "user", text: "Fix the bug." },
      {
        role: "assistant",
        text: "Running tests.",
        toolCalls: [{ id: "toolu_1", name: "bash", input: { command: "pytest" } }],
      },
      {
        role: "user",
        toolResults: [{ toolCallId: "toolu_1", name: "bash", output: "1 failed", isError: false }],
      },
      {
        role: "assistant",
        text: "",
        toolCalls: [
          { id: "toolu_2", name: "bash", input: { command: "cat a.py" } },
          { id: "toolu_3", name: "bash", input: {}, rawInput: "{bad", parseError: "not JSON" },
        ],
      },
      {
        role: "user",
        toolResults: [
          { toolCallId: "toolu_2", name: "bash", output: "print(1)", isError: false },
          { toolCallId: "toolu_3", name: "bash", output: "invalid input", isError: true },
        ],
        text: "Step 3 of 50.",
      },
    ];
    await m.complete({ ...request(history), maxOutputTokens: 1234 });
    const b = body(0);
    expect(b.max_tokens).toBe(1234);
    expect(b.tools).toHaveLength(2);
    expect(b.tools[0]).toEqual({
      name: "bash",
      description: "Run a command",
      input_schema: TOOLS[0]!.inputSchema,
    });
    expect(b.tools[1].cache_control).toEqual({ type: "ephemeral" });
    expect(b.tools[0].cache_control).toBeUndefined();
    expect(b.system).toEqual([
      { type: "text", text: "You are fixpoint.", cache_control: { type: "ephemeral" } },
    ]);
    expect(b.messages.map((x: any) => x.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    expect(b.messages[1].content).toEqual([
      { type: "text", text: "Running tests." },
      { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "pytest" } },
    ]);
    // The assistant turn with no text has only tool_use blocks; a failed parse is replayed as {}.
    expect(b.messages[3].content.map((c: any) => c.type)).toEqual(["tool_use", "tool_use"]);
    expect(b.messages[3].content[1].input).toEqual({});
    const last = b.messages[4].content;
    expect(last.map((c: any) => [c.type, c.tool_use_id ?? null])).toEqual([
      ["tool_result", "toolu_2"],
      ["tool_result", "toolu_3"],
      ["text", null],
    ]);
    expect(last[1].is_error).toBe(true);
    expect(last[0].is_error).toBeUndefined();
    // Moving breakpoints: the last block of the two latest user messages; 4 in total.
    expect(last[2].cache_control).toEqual({ type: "ephemeral" });
    expect(b.messages[2].content[0].cache_control).toEqual({ type: "ephemeral" });
    expect(b.messages[0].content[0].cache_control).toBeUndefined();
    expect(JSON.stringify(b).split('"cache_control"').length - 1).toBe(4);
  });

  it("can turn prompt caching off", async () => {
    const m = await model([{ reply: { text: "ok" } }], { promptCaching: false });
    await m.complete(request());
    expect(JSON.stringify(body(0))).not.toContain("cache_control");
  });

  it("reports cache reads and writes and prices them", async () => {
    const m = await model([
      {
        reply: {
          text: "cached",
          usage: {
            input_tokens: 200,
            output_tokens: 100,
            cache_read_input_tokens: 10_000,
            cache_creation_input_tokens: 2_000,
          },
        },
      },
    ]);
    const r = await m.complete(request());
    expect(r.usage).toEqual({
      inputTokens: 200,
      outputTokens: 100,
      cacheReadTokens: 10_000,
      cacheWriteTokens: 2_000,
    });
    // 200·3 + 100·15 + 10000·0.3 + 2000·3.75, per million
    expect(r.costUsd).toBeCloseTo((600 + 1500 + 3000 + 7500) / 1e6, 9);
  });

  it("retries a 529 overloaded and returns the next answer", async () => {
    const m = await model([{ status: 529 }, { reply: { text: "done" } }]);
    const r = await m.complete(request());
    expect(r.text).toBe("done");
    expect(fake!.requests).toHaveLength(2);
  });

  it("retries an overloaded_error sent inside the SSE stream", async () => {
    const m = await model([
      { sseError: { type: "overloaded_error", message: "Overloaded" } },
      { reply: { text: "ok" } },
    ]);
    expect((await m.complete(request())).text).toBe("ok");
    expect(fake!.requests).toHaveLength(2);
  });

  it("honours retry-after on a 429", async () => {
    const m = await model([
      { status: 429, headers: { "retry-after": "1" } },
      { reply: { text: "after the wait" } },
    ]);
    const t0 = Date.now();
    const r = await m.complete(request());
    expect(r.text).toBe("after the wait");
    expect(fake!.requests).toHaveLength(2);
    // retryBaseMs is 5 ms, so only the header explains a wait of a second (timer slack allowed).
    expect(fake!.requests[1]!.at - fake!.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("honours retry-after-ms", async () => {
    const m = await model([
      { status: 429, headers: { "retry-after-ms": "300", "retry-after": "60" } },
      { reply: { text: "ok" } },
    ]);
    await m.complete(request());
    const gap = fake!.requests[1]!.at - fake!.requests[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(280);
    expect(gap).toBeLessThan(30_000);
  });

  for (const stream of [true, false]) {
    it(`retries a connection dropped mid-response (${stream ? "SSE" : "JSON"})`, async () => {
      const m = await model(
        [{ drop: "mid-body" }, { drop: "before-headers" }, { reply: { text: "recovered" } }],
        {
          stream,
        },
      );
      const r = await m.complete(request());
      expect(r.text).toBe("recovered");
      expect(fake!.requests).toHaveLength(3);
    });
  }

  it("retries a stream whose events are not JSON or that ends before message_stop", async () => {
    const m = await model([
      { rawSse: "event: message_start\ndata: {not json\n\n" },
      {
        rawSse:
          'event: message_start\ndata: {"type":"message_start","message":{"model":"m","content":[]}}\n\n',
      },
      { reply: { text: "clean" } },
    ]);
    expect((await m.complete(request())).text).toBe("clean");
    expect(fake!.requests).toHaveLength(3);
  });

  it("turns malformed streamed tool input into a tool call with parseError", async () => {
    const m = await model([
      {
        reply: {
          toolUses: [
            { id: "toolu_bad", name: "bash", inputJson: '{"command": "ls' },
            { id: "toolu_arr", name: "bash", inputJson: "[1, 2]" },
            { id: "toolu_ok", name: "submit", inputJson: "" },
          ],
        },
      },
    ]);
    const r = await m.complete(request());
    expect(r.toolCalls[0]).toMatchObject({ id: "toolu_bad", name: "bash", rawInput: '{"command": "ls' });
    expect(r.toolCalls[0]!.parseError).toMatch(/not valid JSON/);
    expect(r.toolCalls[1]!.parseError).toMatch(/must be a JSON object, got an array/);
    expect(r.toolCalls[2]).toEqual({ id: "toolu_ok", name: "submit", input: {} });
  });

  it("turns a non-object tool input in a JSON response into a parseError", async () => {
    const m = await model([{ reply: { toolUses: [{ name: "bash", input: "ls -la" }] } }], { stream: false });
    const r = await m.complete(request());
    expect(r.toolCalls[0]).toMatchObject({ name: "bash", input: {}, rawInput: "ls -la" });
    expect(r.toolCalls[0]!.parseError).toMatch(/got a string/);
  });

  it("throws a one-line InfraError with status and message once retries are exhausted", async () => {
    const m = await model(
      [
        {
          status: 500,
          body: { type: "error", error: { type: "api_error", message: "Internal\nserver error" } },
        },
        { status: 503 },
        { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      ],
      { maxRetries: 2 },
    );
    const err = await m.complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    const msg = (err as Error).message;
    expect(msg).not.toContain("\n");
    expect(msg).toMatch(/after 3 attempts/);
    expect(msg).toContain("529 overloaded_error: Overloaded");
    expect(fake!.requests).toHaveLength(3);
  });

  it("treats 401 as a UsageError naming ANTHROPIC_API_KEY, without retrying", async () => {
    const m = await model([{ status: 401 }, { reply: { text: "never" } }]);
    const err = await m.complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^ANTHROPIC_API_KEY was rejected \(401\)/);
    expect(fake!.requests).toHaveLength(1);
  });

  it("does not retry other 4xx and reports them as InfraError", async () => {
    const m = await model([
      {
        status: 400,
        body: { type: "error", error: { type: "invalid_request_error", message: "prompt is too long" } },
      },
    ]);
    const err = await m.complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toContain("400 invalid_request_error: prompt is too long");
    expect(fake!.requests).toHaveLength(1);
  });

  it("times out a request that never answers and retries it", async () => {
    const m = await model([{ hang: true }, { reply: { text: "second try" } }], { timeoutMs: 300 });
    const r = await m.complete(request());
    expect(r.text).toBe("second try");
    expect(fake!.requests).toHaveLength(2);
  });

  for (const stream of [true, false]) {
    it(`times out a response that stalls after it started (${stream ? "SSE" : "JSON"})`, async () => {
      const m = await model([{ stall: true }, { reply: { text: "fresh" } }], { timeoutMs: 300, stream });
      const t0 = Date.now();
      expect((await m.complete(request())).text).toBe("fresh");
      expect(fake!.requests).toHaveLength(2);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    });
  }

  it("gives up with an InfraError when every attempt times out", async () => {
    const m = await model([{ hang: true }, { hang: true }], { timeoutMs: 200, maxRetries: 1 });
    const err = await m.complete(request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toMatch(/after 2 attempts: .*timed out/);
  });

  it("stops waiting when the caller aborts", async () => {
    const m = await model([{ hang: true }]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const err = await m.complete({ ...request(), signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("AbortError");
    expect(err).not.toBeInstanceOf(InfraError);
  });

  it("needs ANTHROPIC_API_KEY", async () => {
    await expect(createModel("anthropic:claude-sonnet-4-5", { env: {} })).rejects.toThrow(
      /ANTHROPIC_API_KEY/,
    );
    await expect(createModel("anthropic:claude-sonnet-4-5", { env: {} })).rejects.toBeInstanceOf(UsageError);
    const m = await createModel("anthropic:claude-sonnet-4-5", { env: { ANTHROPIC_API_KEY: "sk-ant-env" } });
    expect(m.spec).toBe("anthropic:claude-sonnet-4-5");
    expect(m.contextWindow).toBe(200_000);
  });
});
