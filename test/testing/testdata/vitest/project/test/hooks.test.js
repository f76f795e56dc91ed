import { beforeEach, describe, expect, it } from "vitest";

describe("with failing hook", () => {
  beforeEach(() => {
    throw new Error("fixture setup failed");
  });

  it("never really runs", () => {
    expect(true).toBe(true);
  });
});
