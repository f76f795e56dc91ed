/**
 * The real provider code paths inside the real loop: the Anthropic SDK against a local server
 * speaking the Messages API (SSE), with an overload, a rate limit, a malformed tool input and a
 * dropped connection on the way; and the OpenAI-compatible text mode with a format error.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { solveTask } from "../../src/agent/index.js";
import { silentLogger } from "../../src/log/index.js";
import { createModel } from "../../src/model/index.js";
import type { FakeServer } from "../support/fake-anthropic.js";
import { startFakeAnthropic } from "../support/fake-anthropic.js";
import { startFakeOpenAI } from "../support/fake-openai.js";
import { fixtureRepo, tempDir, testsPassWithPatch } from "../support/fixtures.js";

const FIX_OLD = "    mid = len(ordered) // 2\n    return ordered[mid]\n";
const FIX_NEW =
  "    mid = len(ordered) // 2\n    if len(ordered) % 2 == 0:\n        return (ordered[mid - 1] + ordered[mid]) / 2\n    return ordered[mid]\n";

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function solveWith(spec: string, baseUrl: string, apiKey: string) {
  const { task, dir } = await fixtureRepo("py-median");
  const model = await createModel(spec, { baseUrl, apiKey, retryBaseMs: 20, env: {} });
  return solveTask({
    runId: "providers",
    task,
    repoPath: dir,
    model,
    sandbox: "local",
    runDir: tempDir("run"),
    budget: { maxSteps: 15, maxCostUsd: 5 },
    testGate: true,
    commandTimeoutMs: 60_000,
    log: silentLogger,
  });
}

describe("Anthropic provider in the loop", () => {
  it("solves the fixture through 529, a malformed tool input, a 429 with retry-after and a dropped connection", async () => {
    const usage = { input_tokens: 1000, output_tokens: 100, cache_read_input_tokens: 500 };
    server = await startFakeAnthropic([
      { status: 529 },
      {
        reply: {
          text: "Searching.",
          toolUses: [{ name: "search", inputJson: '{"pattern": "def med' }],
          usage,
        },
      },
      {
        reply: {
          text: "Searching again.",
          toolUses: [{ name: "search", input: { pattern: "def median" } }],
          usage,
        },
      },
      { status: 429, headers: { "retry-after": "1" } },
      {
        reply: {
          text: "Fixing.",
          toolUses: [
            {
              name: "editor",
              input: { command: "str_replace", path: "statkit/stats.py", old_str: FIX_OLD, new_str: FIX_NEW },
            },
          ],
          usage,
        },
      },
      { drop: "mid-body" },
      { reply: { text: "Done.", toolUses: [{ name: "submit", input: {} }], usage } },
    ]);
    const out = await solveWith("anthropic:claude-sonnet-4-5", server.url, "sk-ant-test-0000");
    expect(out.status, out.error).toBe("submitted");
    expect((await testsPassWithPatch("py-median", out.patch)).exitCode).toBe(0);
    // Every answered call is charged, the rejected one too: 4 replies at sonnet prices.
    expect(out.steps).toBe(4);
    expect(out.costUsd).toBeGreaterThan(0);

    const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
    expect(traj.steps[0].rejected).toMatch(/search/);
    // The re-ask carried the error as a tool result; the next real turn's history did not keep it.
    const bodies = server.requests.map(
      (r) => r.body as { messages: Array<{ role: string; content: unknown }> },
    );
    const reask = JSON.stringify(bodies[2]!.messages);
    expect(reask).toContain('"is_error":true');
    // The code graph: its tools are offered and its localization is in the instance prompt.
    const first = server.requests[1]!.body as {
      tools: Array<{ name: string }>;
      messages: Array<{ content: unknown }>;
    };
    expect(first.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["find_symbol", "repo_map", "impact"]),
    );
    expect(JSON.stringify(first.messages[0]!.content)).toMatch(
      /Likely relevant files[\s\S]*statkit\/stats\.py/,
    );
    const later = JSON.stringify(bodies[bodies.length - 1]!.messages);
    expect(later).not.toContain('def med"');
    expect(later).not.toContain("Attempt 1 of 3");
  });
});

describe("OpenAI-compatible text mode in the loop", () => {
  const action = (tool: string, input: unknown) => "```action\n" + JSON.stringify({ tool, input }) + "\n```";
  it("solves the fixture, re-asking once after a reply with no action block", async () => {
    const usage = { prompt_tokens: 800, completion_tokens: 60 };
    server = await startFakeOpenAI([
      { reply: { content: "I think the bug is in median.", usage } },
      { reply: { content: `Let me look.\n${action("search", { pattern: "def median" })}`, usage } },
      {
        reply: {
          content: `Fix:\n${action("editor", { command: "str_replace", path: "statkit/stats.py", old_str: FIX_OLD, new_str: FIX_NEW })}`,
          usage,
        },
      },
      { reply: { content: action("run_tests", {}), usage } },
      { reply: { content: action("submit", {}), usage } },
    ]);
    const out = await solveWith("openai-text:qwen2.5-coder", server.url, "local");
    expect(out.status, out.error).toBe("submitted");
    expect((await testsPassWithPatch("py-median", out.patch)).exitCode).toBe(0);
    const traj = JSON.parse(readFileSync(out.trajectoryPath, "utf8"));
    expect(traj.steps[0].rejected).toMatch(/action/);
    expect(traj.steps).toHaveLength(5);
    // Text mode sends no tools; the protocol travels in the system prompt.
    const first = server.requests[0]!.body as {
      tools?: unknown;
      messages: Array<{ role: string; content: string }>;
    };
    expect(first.tools).toBeUndefined();
    expect(first.messages[0]!.content).toContain("```action");
  });
});
