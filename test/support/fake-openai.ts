/**
 * A local HTTP server that speaks the OpenAI chat-completions API from a script, with fault
 * injection — the stand-in for vLLM / Ollama / llama.cpp / api.openai.com in tests.
 *
 *   const fake = await startFakeOpenAI([
 *     { status: 429, headers: { "retry-after": "1" } },
 *     { reply: { content: "Running it.", toolCalls: [{ name: "bash", arguments: { command: "ls" } }] } },
 *   ]);
 *   createModel("openai:qwen2.5-coder", { baseUrl: fake.url, apiKey: "x" });   // url ends in /v1
 *   …
 *   fake.requests[1].body   // the JSON the SDK sent (tools, tool-role messages…)
 *   await fake.close();
 *
 * Each POST /v1/chat/completions consumes the next entry:
 *   - `{ reply }`: a completion. Streamed as `chat.completion.chunk` SSE events (role, content
 *     deltas, tool-call deltas split across chunks, finish_reason, a usage chunk when
 *     `stream_options.include_usage`, then `data: [DONE]`) when the request has `stream: true`,
 *     else one `chat.completion` JSON. A tool call's `arguments` is sent verbatim when a string
 *     (so malformed JSON can be scripted), JSON-encoded otherwise.
 *   - `{ status, headers?, body? }`: an error response (default body: `{error: {message, type}}`).
 *   - `{ drop: "before-headers" | "mid-body" }`: the socket is destroyed.
 *   - `{ hang: true }`: never answers (for timeouts).
 * `script` may also be a function of the request index and body. Past the end of the script the
 * server answers 400 "script exhausted" (not retried, so tests fail fast).
 */
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  chunks,
  type FakeServer,
  type RecordedRequest,
  readAndRecord,
  type Script,
  sendJson,
} from "./fake-anthropic.js";

export type { FakeServer, RecordedRequest, Script } from "./fake-anthropic.js";

export interface FakeOpenAIToolCall {
  id?: string;
  name: string;
  /** A string is sent verbatim (may be malformed); anything else is JSON-encoded. */
  arguments?: unknown;
}

export interface FakeOpenAIReply {
  content?: string;
  toolCalls?: FakeOpenAIToolCall[];
  finishReason?: string;
  model?: string;
  usage?: { prompt_tokens?: number; completion_tokens?: number; cached_tokens?: number };
  delayMs?: number;
}

export type FakeOpenAIEntry =
  | { reply: FakeOpenAIReply }
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { drop: "before-headers" | "mid-body" }
  | { hang: true };

export function openaiErrorBody(status: number, message?: string): unknown {
  const type =
    status === 401
      ? "invalid_request_error"
      : status === 429
        ? "rate_limit_exceeded"
        : status >= 500
          ? "server_error"
          : "invalid_request_error";
  return { error: { message: message ?? `fake ${type} (${status})`, type, param: null, code: null } };
}

/** Starts the server on 127.0.0.1 and a free port; `url` ends in `/v1`. */
export async function startFakeOpenAI(script: Script<FakeOpenAIEntry>): Promise<FakeServer> {
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let served = 0;

  const server = createServer(async (req, res) => {
    const body = await readAndRecord(req, requests, started);
    if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/chat/completions")) {
      return sendJson(res, 404, openaiErrorBody(404, `no route ${req.method} ${req.url}`));
    }
    const index = served++;
    const entry = typeof script === "function" ? script(index, body) : script[index];
    if (!entry)
      return sendJson(
        res,
        400,
        openaiErrorBody(400, `fake-openai: script exhausted after ${index} requests`),
      );
    const b = isObj(body) ? body : {};
    const streaming = b.stream === true;
    const includeUsage = isObj(b.stream_options) && b.stream_options.include_usage === true;
    const model = typeof b.model === "string" ? b.model : "fake-model";
    await serve(entry, res, { streaming, includeUsage, model, index });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(
  entry: FakeOpenAIEntry,
  res: ServerResponse,
  ctx: { streaming: boolean; includeUsage: boolean; model: string; index: number },
): Promise<void> {
  if ("hang" in entry) return;
  if ("status" in entry) {
    return sendJson(res, entry.status, entry.body ?? openaiErrorBody(entry.status), entry.headers);
  }
  const id = `chatcmpl-${ctx.index}`;
  const created = Math.floor(Date.now() / 1000);
  if ("drop" in entry) {
    if (entry.drop === "before-headers") {
      res.socket?.destroy();
      return;
    }
    if (ctx.streaming) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(data(chunk(id, created, ctx.model, { role: "assistant", content: "" }, null)));
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
      res.write('{"id":"chatcmpl-dropped","object":"chat.completion","choices":[{"index":0,"mess');
    }
    await new Promise((r) => setTimeout(r, 20));
    res.socket?.destroy();
    return;
  }
  const reply = entry.reply;
  if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
  const model = reply.model ?? ctx.model;
  const calls = (reply.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_fake_${ctx.index}_${i}`,
    name: c.name,
    args: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}),
  }));
  const finish = reply.finishReason ?? (calls.length ? "tool_calls" : "stop");
  const prompt = reply.usage?.prompt_tokens ?? 100;
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: reply.usage?.completion_tokens ?? 20,
    total_tokens: prompt + (reply.usage?.completion_tokens ?? 20),
    ...(reply.usage?.cached_tokens !== undefined
      ? { prompt_tokens_details: { cached_tokens: reply.usage.cached_tokens } }
      : {}),
  };
  if (!ctx.streaming) {
    return sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: reply.content ?? null,
            ...(calls.length
              ? {
                  tool_calls: calls.map((c) => ({
                    id: c.id,
                    type: "function",
                    function: { name: c.name, arguments: c.args },
                  })),
                }
              : {}),
          },
          finish_reason: finish,
        },
      ],
      usage,
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(data(chunk(id, created, model, { role: "assistant", content: "" }, null)));
  for (const piece of chunks(reply.content ?? "", 6)) {
    res.write(data(chunk(id, created, model, { content: piece }, null)));
  }
  calls.forEach((c, i) => {
    // First delta names the call; arguments follow in pieces, as real servers send them.
    res.write(
      data(
        chunk(
          id,
          created,
          model,
          {
            tool_calls: [{ index: i, id: c.id, type: "function", function: { name: c.name, arguments: "" } }],
          },
          null,
        ),
      ),
    );
    for (const piece of chunks(c.args, 4)) {
      res.write(
        data(chunk(id, created, model, { tool_calls: [{ index: i, function: { arguments: piece } }] }, null)),
      );
    }
  });
  res.write(data(chunk(id, created, model, {}, finish)));
  if (ctx.includeUsage) {
    res.write(data({ id, object: "chat.completion.chunk", created, model, choices: [], usage }));
  }
  res.write("data: [DONE]\n\n");
  res.end();
}

function chunk(id: string, created: number, model: string, delta: unknown, finish: string | null): unknown {
  return {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
}

function data(obj: unknown): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
