import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { InfraError, UsageError } from "../../src/common/index.js";
import {
  classifyProviderError,
  IncompleteStreamError,
  type ProviderErrorContext,
} from "../../src/model/errors.js";
import { AttemptTimeoutError, type Failure } from "../../src/model/retry.js";

const anthropic: ProviderErrorContext = {
  provider: "anthropic",
  keyVariable: "ANTHROPIC_API_KEY",
  sdk: Anthropic,
};
const openai: ProviderErrorContext = {
  provider: "openai",
  keyVariable: "OPENAI_API_KEY",
  endpoint: "http://127.0.0.1:8000/v1",
  sdk: OpenAI,
};

/** The body as each SDK keeps it: Anthropic the whole response, OpenAI its `error` member. */
function apiError(
  ctx: ProviderErrorContext,
  status: number | undefined,
  error: Record<string, unknown> | undefined,
  headers: Record<string, string> = {},
): Error {
  const h = status === undefined ? undefined : new Headers(headers);
  if (ctx.sdk === Anthropic) {
    return new Anthropic.APIError(status, error ? { type: "error", error } : undefined, undefined, h);
  }
  return new OpenAI.APIError(status, error, undefined, h);
}

const retried = (f: Failure) => (f.retry ? f : expect.fail(`not retried: ${f.error.message}`));
const refused = (f: Failure) => (f.retry ? expect.fail(`retried: ${f.reason}`) : f.error);

describe.each([
  ["anthropic", anthropic],
  ["openai", openai],
] as const)("classifyProviderError (%s SDK errors)", (name, ctx) => {
  const classify = (err: unknown) => classifyProviderError(err, ctx);

  it("retries 408, 429, 5xx and 529 with status, type and message in the reason", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      expect(classify(apiError(ctx, status, undefined)).retry, String(status)).toBe(true);
    }
    const f = retried(classify(apiError(ctx, 529, { type: "overloaded_error", message: "Over\nloaded" })));
    expect(f.reason).toBe("529 overloaded_error: Over loaded");
    expect(f.retryAfterMs).toBeUndefined();
  });

  it("honours retry-after and retry-after-ms", () => {
    expect(retried(classify(apiError(ctx, 429, undefined, { "retry-after": "2" }))).retryAfterMs).toBe(2000);
    expect(
      retried(classify(apiError(ctx, 503, undefined, { "retry-after-ms": "250", "retry-after": "9" })))
        .retryAfterMs,
    ).toBe(250);
  });

  it("turns 401 into a UsageError naming the key's variable", () => {
    const err = refused(
      classify(apiError(ctx, 401, { type: "authentication_error", message: "invalid x-api-key" })),
    );
    expect(err).toBeInstanceOf(UsageError);
    const where = ctx.endpoint ? ` by ${ctx.endpoint}` : "";
    expect(err.message).toBe(`${ctx.keyVariable} was rejected (401)${where}: invalid x-api-key`);
  });

  it("refuses other 4xx as a one-line InfraError", () => {
    const err = refused(
      classify(apiError(ctx, 400, { type: "invalid_request_error", message: "prompt is\ntoo long" })),
    );
    expect(err).toBeInstanceOf(InfraError);
    expect(err.message).toBe(`${name}: request rejected (400 invalid_request_error: prompt is too long)`);
    for (const status of [403, 404, 413, 422]) {
      expect(classify(apiError(ctx, status, undefined)).retry, String(status)).toBe(false);
    }
  });

  it("does not retry a 429 that says the quota or the credit is spent", () => {
    const quota = {
      message: "You exceeded your current quota",
      type: "insufficient_quota",
      code: "insufficient_quota",
    };
    const err = refused(classify(apiError(ctx, 429, quota)));
    expect(err).toBeInstanceOf(InfraError);
    expect(err.message).toContain("429 insufficient_quota: You exceeded your current quota");
    expect(classify(apiError(ctx, 429, { type: "requests", code: "insufficient_quota" })).retry).toBe(false);
    expect(classify(apiError(ctx, 402, { type: "billing_error", message: "no credit" })).retry).toBe(false);
  });

  it("retries an error event inside a stream unless it blames the request", () => {
    expect(
      retried(classify(apiError(ctx, undefined, { type: "overloaded_error", message: "Overloaded" }))).reason,
    ).toBe("stream error overloaded_error: Overloaded");
    expect(classify(apiError(ctx, undefined, { type: "server_error", message: "oops" })).retry).toBe(true);
    expect(classify(apiError(ctx, undefined, { message: "something broke" })).retry).toBe(true);
    const err = refused(
      classify(apiError(ctx, undefined, { type: "invalid_request_error", message: "bad" })),
    );
    expect(err.message).toBe(`${name}: request rejected (stream error invalid_request_error: bad)`);
  });

  it("retries timeouts and connection errors", () => {
    const timeout =
      ctx.sdk === Anthropic
        ? new Anthropic.APIConnectionTimeoutError()
        : new OpenAI.APIConnectionTimeoutError();
    expect(retried(classify(timeout)).reason).toBe("request timed out");
    expect(retried(classify(new AttemptTimeoutError(300))).reason).toBe("request timed out");
    const cause = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    const conn =
      ctx.sdk === Anthropic
        ? new Anthropic.APIConnectionError({ message: "Connection error.", cause })
        : new OpenAI.APIConnectionError({ message: "Connection error.", cause });
    expect(retried(classify(conn)).reason).toBe("connection error: Connection error.: read ECONNRESET");
  });
});

describe("classifyProviderError (errors from outside the SDKs)", () => {
  const classify = (err: unknown) => classifyProviderError(err, anthropic);

  it("retries cut streams, network failures and responses that are not JSON", () => {
    expect(retried(classify(new IncompleteStreamError("stream ended before message_stop"))).reason).toBe(
      "stream ended before message_stop",
    );
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(retried(classify(new TypeError("fetch failed", { cause: reset }))).reason).toBe(
      "connection error: fetch failed: socket hang up",
    );
    expect(retried(classify(new SyntaxError("Unexpected token n in JSON"))).reason).toBe(
      "malformed response: Unexpected token n in JSON",
    );
  });

  it("passes anything else through, not retried", () => {
    const bug = new RangeError("our own bug");
    expect(refused(classify(bug))).toBe(bug);
    expect(refused(classify("a string")).message).toBe("a string");
  });

  it("classifies an OpenAI-compatible server's bare string error body", () => {
    const f = classifyProviderError(
      new OpenAI.APIError(500, "model crashed" as never, undefined, new Headers()),
      openai,
    );
    expect(retried(f).reason).toBe("500: model crashed");
  });
});
