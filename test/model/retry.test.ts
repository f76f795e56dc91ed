import { describe, expect, it } from "vitest";
import { InfraError } from "../../src/common/index.js";
import { silentLogger } from "../../src/log/index.js";
import { backoffMs, retryAfterMs } from "../../src/model/index.js";
import { withRetries } from "../../src/model/retry.js";

const POLICY = { maxRetries: 3, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };

describe("retry policy", () => {
  it("reads retry-after-ms, retry-after seconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250.5" }))).toBe(250.5);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after-ms": "10", "retry-after": "2" }))).toBe(10);
    const inFive = new Date(Date.now() + 5000).toUTCString();
    const d = retryAfterMs(new Headers({ "retry-after": inFive }))!;
    expect(d).toBeGreaterThan(3000);
    expect(d).toBeLessThanOrEqual(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it("backs off exponentially with bounded jitter and a cap", () => {
    expect(backoffMs(0, POLICY, () => 0)).toBe(75);
    expect(backoffMs(0, POLICY, () => 1)).toBe(125);
    expect(backoffMs(2, POLICY, () => 0.5)).toBe(400);
    expect(backoffMs(10, POLICY, () => 0.5)).toBe(1000);
  });

  it("caps a server-requested delay and stops on a non-retryable failure", async () => {
    let calls = 0;
    const t0 = Date.now();
    const result = await withRetries(
      async () => {
        calls++;
        if (calls === 1) throw new Error("busy");
        return "ok";
      },
      1000,
      {
        what: "test",
        policy: { ...POLICY, maxRetryAfterMs: 50 },
        log: silentLogger,
        classify: () => ({ retry: true, reason: "busy", retryAfterMs: 60_000 }),
      },
    );
    expect(result).toBe("ok");
    expect(Date.now() - t0).toBeLessThan(5000);
    const fatal = new Error("bad request");
    await expect(
      withRetries(
        async () => {
          throw fatal;
        },
        1000,
        {
          what: "test",
          policy: POLICY,
          log: silentLogger,
          classify: (e) => ({ retry: false, error: e as Error }),
        },
      ),
    ).rejects.toBe(fatal);
  });

  it("reports the last reason after the last attempt", async () => {
    let n = 0;
    const err = await withRetries(
      async () => {
        n++;
        throw new Error(`fail ${n}`);
      },
      1000,
      {
        what: "svc",
        policy: { ...POLICY, maxRetries: 2, baseMs: 1 },
        log: silentLogger,
        classify: (e) => ({ retry: true, reason: (e as Error).message }),
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfraError);
    expect((err as Error).message).toBe("svc: request failed after 3 attempts: fail 3");
  });
});
