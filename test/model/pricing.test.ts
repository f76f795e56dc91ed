import pino from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/common/index.js";
import {
  contextWindowFor,
  costOf,
  DEFAULT_PRICING,
  findPricing,
  modelIdCandidates,
  parsePricingOverride,
  pricedModel,
  resetPricingWarnings,
  type Usage,
} from "../../src/model/index.js";

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0): Usage => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadTokens: cacheRead,
  cacheWriteTokens: cacheWrite,
});

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

beforeEach(() => resetPricingWarnings());

describe("pricing", () => {
  it("knows the current Anthropic models with cache prices derived from input", () => {
    for (const id of [
      "claude-opus-4-1",
      "claude-opus-4",
      "claude-sonnet-4-5",
      "claude-sonnet-4",
      "claude-3-7-sonnet",
      "claude-haiku-4-5",
      "claude-3-5-haiku",
    ]) {
      const p = DEFAULT_PRICING[id]!;
      expect(p, id).toBeDefined();
      expect(p.cacheWrite).toBeCloseTo(p.input * 1.25, 9);
      expect(p.cacheRead).toBeCloseTo(p.input * 0.1, 9);
    }
    expect(DEFAULT_PRICING["claude-sonnet-4-5"]).toMatchObject({ input: 3, output: 15 });
    expect(DEFAULT_PRICING["claude-opus-4-1"]).toMatchObject({ input: 15, output: 75 });
    expect(DEFAULT_PRICING["claude-haiku-4-5"]).toMatchObject({ input: 1, output: 5 });
  });

  it("matches model ids with date and version suffixes", () => {
    expect(findPricing("claude-sonnet-4-5-20250929")).toBe(DEFAULT_PRICING["claude-sonnet-4-5"]);
    expect(findPricing("claude-3-5-haiku-20241022")).toBe(DEFAULT_PRICING["claude-3-5-haiku"]);
    expect(findPricing("claude-3-7-sonnet-latest")).toBe(DEFAULT_PRICING["claude-3-7-sonnet"]);
    expect(findPricing("gpt-4o-2024-08-06")).toBe(DEFAULT_PRICING["gpt-4o"]);
    expect(findPricing("gpt-4o-mini")).toBe(DEFAULT_PRICING["gpt-4o-mini"]);
    expect(findPricing("anthropic/claude-opus-4-1")).toBe(DEFAULT_PRICING["claude-opus-4-1"]);
    expect(findPricing("anthropic.claude-sonnet-4-20250514-v1:0")).toBe(DEFAULT_PRICING["claude-sonnet-4"]);
    // No guessing by prefix: an unreleased sibling is unknown rather than mispriced.
    expect(findPricing("claude-opus-4-9")).toBeUndefined();
    expect(modelIdCandidates("Claude-Sonnet-4-5-20250929")).toEqual([
      "claude-sonnet-4-5-20250929",
      "claude-sonnet-4-5",
    ]);
  });

  it("computes cost from all four token kinds", () => {
    // sonnet: 3 in, 15 out, 0.3 read, 3.75 write per million
    expect(costOf("claude-sonnet-4-5-20250929", usage(1_000_000, 0))).toBeCloseTo(3, 9);
    expect(costOf("claude-sonnet-4-5", usage(1000, 2000, 100_000, 10_000))).toBeCloseTo(
      (1000 * 3 + 2000 * 15 + 100_000 * 0.3 + 10_000 * 3.75) / 1e6,
      9,
    );
  });

  it("lets a user override win and fills cache prices with the input price", () => {
    const override = parsePricingOverride({
      "claude-sonnet-4-5": { input: 1, output: 2 },
      "my-local-model": { input: 0.5, output: 1, cacheRead: 0.05 },
    });
    expect(findPricing("claude-sonnet-4-5-20250929", override)).toEqual({
      input: 1,
      output: 2,
      cacheRead: 1,
      cacheWrite: 1,
    });
    expect(costOf("my-local-model", usage(1_000_000, 1_000_000, 1_000_000), { override })).toBeCloseTo(
      1.55,
      9,
    );
  });

  it("validates the override with a one-line error naming the field", () => {
    expect(() => parsePricingOverride({ "gpt-4o": { input: "cheap", output: 1 } })).toThrow(UsageError);
    expect(() => parsePricingOverride({ "gpt-4o": { input: 1, output: 1, cache: 2 } })).toThrow(
      /pricing: gpt-4o/,
    );
    expect(() => parsePricingOverride({ "gpt-4o": { input: -1, output: 1 } })).toThrow(
      /^pricing: gpt-4o\.input: /,
    );
  });

  it("prices unknown models at 0 with one warning per model, never throwing", () => {
    const { log, lines } = capturingLogger();
    expect(costOf("qwen2.5-coder:32b", usage(10_000, 1_000), { log })).toBe(0);
    expect(costOf("qwen2.5-coder:32b", usage(10_000, 1_000), { log })).toBe(0);
    expect(costOf("llama3", usage(1, 1), { log })).toBe(0);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((w) => w.model)).toEqual(["qwen2.5-coder:32b", "llama3"]);
    expect(String(warnings[0]!.msg)).toMatch(/counted as 0/);
    expect(costOf("", usage(1, 1))).toBe(0);
  });

  it("prices by the requested model, or by the answering one when only that is known", () => {
    expect(pricedModel("claude-sonnet-4-5", "claude-sonnet-4-5-20250929")).toBe("claude-sonnet-4-5");
    expect(pricedModel("my-alias", "gpt-4o-2024-08-06")).toBe("gpt-4o-2024-08-06");
    expect(pricedModel("my-alias", "also-unknown")).toBe("my-alias");
    expect(pricedModel("my-alias", "gpt-4o", { "my-alias": { input: 0, output: 0 } })).toBe("my-alias");
  });

  it("knows context windows with provider defaults and a user value", () => {
    expect(contextWindowFor("anthropic", "claude-sonnet-4-5")).toBe(200_000);
    expect(contextWindowFor("anthropic", "claude-whatever")).toBe(200_000);
    expect(contextWindowFor("openai", "gpt-4o-2024-08-06")).toBe(128_000);
    expect(contextWindowFor("openai", "gpt-4.1")).toBe(1_047_576);
    expect(contextWindowFor("openai", "some-local-model")).toBe(128_000);
    expect(contextWindowFor("openai", "some-local-model", 32_768)).toBe(32_768);
  });
});
