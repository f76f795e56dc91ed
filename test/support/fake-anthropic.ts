/**
 * A local HTTP server that speaks the Anthropic Messages API from a script, with fault injection.
 *
 *   const fake = await startFakeAnthropic([
 *     { status: 529 },                                            // overloaded_error, then…
 *     { reply: { text: "Looking.", toolUses: [{ name: "bash", input: { command: "ls" } }] } },
 *   ]);
 *   createModel("anthropic:claude-sonnet-4-5", { baseUrl: fake.url, apiKey: "test-key" });
 *   …
 *   fake.requests[0].body   // the JSON the SDK sent (cache_control, tools, tool_result ids…)
 *   await fake.close();
 *
 * Each POST /v1/messages consumes the next entry:
 *   - `{ reply }`: a message. Sent as real SSE (message_start, content_block_start/delta/stop,
 *     message_delta with usage, message_stop) when the request has `stream: true`, else as JSON.
 *     A tool use's `inputJson` sends that exact text as its input_json_delta (malformed input);
 *     in JSON mode `input` may be any value (e.g. a string) to send a non-object input.
 *   - `{ status, headers?, body? }`: an error response (default body: the API's error envelope
 *     with the type matching the status, e.g. 529 → overloaded_error).
 *   - `{ drop: "before-headers" | "mid-body" }`: the socket is destroyed (mid-body: after the
 *     headers and part of the body / the first SSE events).
 *   - `{ sseError: { type, message } }`: a 200 stream that sends `event: error` after message_start.
 *   - `{ hang: true }`: never answers (for timeouts); released when the server closes.
 *   - `{ rawSse: text }`: a 200 event stream whose body is exactly `text` (malformed events).
 *   - `{ stall: true }`: answers 200 and sends the first SSE events (or part of the JSON), then
 *     goes silent without closing — a stream that stalls mid-response.
 * `script` may also be a function of the request index and body. Past the end of the script the
 * server answers 400 invalid_request_error "script exhausted" (not retried, so tests fail fast).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FakeToolUse {
  id?: string;
  name: string;
  input?: unknown;
  /** Raw JSON text for the streamed input (overrides `input`); may be malformed on purpose. */
  inputJson?: string;
}

export interface FakeAnthropicReply {
  text?: string;
  toolUses?: FakeToolUse[];
  stopReason?: string;
  model?: string;
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_read_input_tokens?: number;
    cache_creation_input_tokens?: number;
  };
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export type FakeAnthropicEntry =
  | { reply: FakeAnthropicReply }
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { drop: "before-headers" | "mid-body" }
  | { sseError: { type: string; message: string } }
  | { hang: true }
  | { stall: true }
  | { rawSse: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Milliseconds since the server started, when the request arrived. */
  at: number;
}

export interface FakeServer {
  /** Base URL, e.g. `http://127.0.0.1:12345` (the Anthropic SDK appends `/v1/messages`). */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Script<E> = E[] | ((index: number, body: unknown) => E | undefined);

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

export function anthropicErrorBody(status: number, message?: string): unknown {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return { type: "error", error: { type, message: message ?? `fake ${type}` } };
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startFakeAnthropic(script: Script<FakeAnthropicEntry>): Promise<FakeServer> {
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let served = 0;

  const server = createServer(async (req, res) => {
    const body = await readAndRecord(req, requests, started);
    if (req.method !== "POST" || !(req.url ?? "").startsWith("/v1/messages")) {
      return sendJson(res, 404, anthropicErrorBody(404, `no route ${req.method} ${req.url}`));
    }
    const index = served++;
    const entry = typeof script === "function" ? script(index, body) : script[index];
    if (!entry) {
      return sendJson(
        res,
        400,
        anthropicErrorBody(400, `fake-anthropic: script exhausted after ${index} requests`),
      );
    }
    const streaming = isObj(body) && body.stream === true;
    const model = isObj(body) && typeof body.model === "string" ? body.model : "claude-fake";
    await serve(entry, res, streaming, model, index);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(
  entry: FakeAnthropicEntry,
  res: ServerResponse,
  streaming: boolean,
  model: string,
  index: number,
): Promise<void> {
  if ("hang" in entry) return;
  if ("status" in entry) {
    return sendJson(res, entry.status, entry.body ?? anthropicErrorBody(entry.status), entry.headers);
  }
  if ("rawSse" in entry) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(entry.rawSse);
    return;
  }
  if ("stall" in entry) {
    if (streaming) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(sse("message_start", messageStart(model, index, {})));
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
      res.write('{"id":"msg_stalled","type":"message",');
    }
    return;
  }
  if ("drop" in entry) {
    if (entry.drop === "before-headers") {
      res.socket?.destroy();
      return;
    }
    if (streaming) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(sse("message_start", messageStart(model, index, {})));
      res.write(
        sse("content_block_start", {
          type: "content_block_start",
          index: 0,
          content_block: { type: "text", text: "" },
        }),
      );
    } else {
      res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
      res.write('{"id":"msg_dropped","type":"message","content":[{"type":"text","te');
    }
    // Let the bytes leave before the connection is cut.
    await new Promise((r) => setTimeout(r, 20));
    res.socket?.destroy();
    return;
  }
  if ("sseError" in entry) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(sse("message_start", messageStart(model, index, {})));
    res.write(sse("error", { type: "error", error: entry.sseError }));
    res.end();
    return;
  }
  const reply = entry.reply;
  if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
  const usage = {
    input_tokens: reply.usage?.input_tokens ?? 100,
    output_tokens: reply.usage?.output_tokens ?? 20,
    cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
  };
  const toolUses = (reply.toolUses ?? []).map((t, i) => ({ ...t, id: t.id ?? `toolu_${index}_${i}` }));
  const stopReason = reply.stopReason ?? (toolUses.length ? "tool_use" : "end_turn");
  const answeredModel = reply.model ?? model;
  if (!streaming) {
    const content: unknown[] = [];
    if (reply.text) content.push({ type: "text", text: reply.text });
    for (const t of toolUses) {
      content.push({ type: "tool_use", id: t.id, name: t.name, input: t.inputJson ?? t.input ?? {} });
    }
    return sendJson(res, 200, {
      id: `msg_${index}`,
      type: "message",
      role: "assistant",
      model: answeredModel,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.write(
    sse(
      "message_start",
      messageStart(answeredModel, index, {
        input_tokens: usage.input_tokens,
        output_tokens: 1,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
      }),
    ),
  );
  res.write(sse("ping", { type: "ping" }));
  let block = 0;
  if (reply.text) {
    res.write(
      sse("content_block_start", {
        type: "content_block_start",
        index: block,
        content_block: { type: "text", text: "" },
      }),
    );
    for (const piece of chunks(reply.text, 7)) {
      res.write(
        sse("content_block_delta", {
          type: "content_block_delta",
          index: block,
          delta: { type: "text_delta", text: piece },
        }),
      );
    }
    res.write(sse("content_block_stop", { type: "content_block_stop", index: block }));
    block++;
  }
  for (const t of toolUses) {
    res.write(
      sse("content_block_start", {
        type: "content_block_start",
        index: block,
        content_block: { type: "tool_use", id: t.id, name: t.name, input: {} },
      }),
    );
    const json = t.inputJson ?? JSON.stringify(t.input ?? {});
    for (const piece of chunks(json, 5)) {
      res.write(
        sse("content_block_delta", {
          type: "content_block_delta",
          index: block,
          delta: { type: "input_json_delta", partial_json: piece },
        }),
      );
    }
    res.write(sse("content_block_stop", { type: "content_block_stop", index: block }));
    block++;
  }
  res.write(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    }),
  );
  res.write(sse("message_stop", { type: "message_stop" }));
  res.end();
}

function messageStart(model: string, index: number, usage: Record<string, number>): unknown {
  return {
    type: "message_start",
    message: {
      id: `msg_${index}`,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0, ...usage },
    },
  };
}

export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function chunks(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Reads a request's body (JSON when it parses, else the text) and records the request. */
export async function readAndRecord(
  req: IncomingMessage,
  requests: RecordedRequest[],
  started: number,
): Promise<unknown> {
  const raw = await readBody(req);
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    // keep the raw text
  }
  requests.push({
    method: req.method ?? "",
    path: req.url ?? "",
    headers: req.headers,
    body,
    at: Date.now() - started,
  });
  return body;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
