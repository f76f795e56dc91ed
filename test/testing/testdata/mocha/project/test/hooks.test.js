const assert = require("node:assert/strict");

describe("with failing hook", () => {
  beforeEach(() => {
    throw new Error("fixture setup failed");
  });

  it("never really runs", () => {
    assert.ok(true);
  });
});
