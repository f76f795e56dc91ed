import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

describe("with failing hook", () => {
  beforeEach(() => {
    throw new Error("fixture setup failed");
  });

  it("never really runs", () => {
    assert.ok(true);
  });
});
